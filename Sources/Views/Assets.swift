/// The static files the pages use, served by Central Command under `/static/`.
public enum Assets {
    /// `/static/vigil.css`: one small stylesheet; readable without it too.
    public static let stylesheet = """
        :root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --bg: #f6f7f9; --card: #fff;
          --good: #1a7f37; --fair: #9a6700; --poor: #cf222e; --unknown: #8c959f; --accent: #0b5cad; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
          color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
          outline: 3px solid #ffbf47; outline-offset: 1px; }
        .top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1rem;
          background: var(--ink); color: #fff; }
        .top a { color: #fff; }
        .brand { font-weight: 700; text-decoration: none; font-size: 1.1rem; display: inline-flex; align-items: center; gap: .4rem; }
        .brand .logo { height: 1.6rem; max-width: 8rem; object-fit: contain; background: #fff; border-radius: 3px; }
        .top nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
        .top nav a[aria-current] { text-decoration: underline; text-underline-offset: 4px; }
        .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; }
        .who form { margin: 0; }
        button.link { background: none; border: 0; color: inherit; text-decoration: underline; cursor: pointer;
          font: inherit; padding: 0; }
        main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
        h1 { font-size: 1.4rem; margin: .25rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
        .summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: .75rem;
          margin-bottom: 1rem; }
        .tile { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
        .tile strong { display: block; font-size: 1.5rem; }
        .table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        thead th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
        tbody th { font-weight: 600; }
        tr:last-child td { border-bottom: 0; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .muted { color: var(--muted); }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 10px; font-size: .8rem; font-weight: 600;
          border: 1px solid currentColor; white-space: nowrap; }
        .pass, .online, .good { color: var(--good); }
        .warn, .stale, .fair { color: var(--fair); }
        .fail, .error, .offline, .poor, .breached { color: var(--poor); }
        .unknown, .never { color: var(--unknown); }
        svg .bar-empty { fill: #e4e7ec; }
        svg .good, svg .s-pass { fill: var(--good); }
        svg .fair, svg .s-warn { fill: var(--fair); }
        svg .poor, svg .s-fail, svg .s-error { fill: var(--poor); }
        svg .s-unknown { fill: var(--unknown); }
        .scores { display: grid; grid-template-columns: max-content max-content max-content; gap: .1rem .5rem;
          align-items: center; font-size: .85rem; }
        form.inline { display: inline; }
        button, .button { background: var(--accent); color: #fff; border: 0; border-radius: 4px;
          padding: .35rem .7rem; font: inherit; cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
        label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
        input[type=text], input[type=email], input[type=password], textarea, select {
          font: inherit; padding: .4rem; border: 1px solid #9aa3b2; border-radius: 4px; width: 100%; max-width: 28rem; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 1rem;
          max-width: 26rem; margin: 3rem auto; }
        .card.control { max-width: 60rem; margin: 0 0 .6rem; padding: .6rem .9rem; }
        .card.control h4 { margin: 0 0 .3rem; }
        .card.control p { margin: .25rem 0; }
        .alert { border-left: 4px solid var(--poor); background: #fff1f0; padding: .5rem .75rem; margin: .5rem 0; }
        .filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: .75rem; }
        .filters label { margin: 0; font-size: .85rem; }
        .filters select { width: auto; }
        details summary { cursor: pointer; color: var(--accent); }
        fieldset { border: 1px solid var(--line); border-radius: 6px; background: var(--card); margin: 0 0 .75rem; }
        ul.plain { list-style: none; padding: 0; margin: 0; columns: 2 26rem; }
        label.check { display: inline; font-weight: normal; margin: 0; }
        @media (max-width: 700px) { .who { margin-left: 0; } th.optional, td.optional { display: none; } }

        """

    /// `/static/live.js`: when the server says the fleet changed, the main region is fetched
    /// again and swapped in. Without it (or without script) the page is simply static.
    public static let liveScript = """
        (function () {
          var main = document.getElementById("main");
          if (!main || !window.EventSource) return;
          var source = new EventSource(main.getAttribute("data-live"));
          var busy = false;
          source.addEventListener("changed", function () {
            if (busy || document.activeElement && document.activeElement.form) return;
            busy = true;
            fetch(location.href, { credentials: "same-origin" }).then(function (r) {
              return r.ok ? r.text() : null;
            }).then(function (text) {
              busy = false;
              if (!text) return;
              var next = new DOMParser().parseFromString(text, "text/html").getElementById("main");
              if (next) main.innerHTML = next.innerHTML;
            }).catch(function () { busy = false; });
          });
        })();

        """
}
