import CLI

await VigilMain.run()
