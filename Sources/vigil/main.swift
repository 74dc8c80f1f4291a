import CLI

VigilMain.run()
