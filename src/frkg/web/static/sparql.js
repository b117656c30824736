// The SPARQL query page: YASGUI on this server's endpoint, offline.
// Nothing here may make a request that leaves this server: YASQE's autocompleters (they ask
// prefix.cc and LOV), the endpoint catalogue and URL shortening are all switched off.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("sparql-config").textContent);
  // The server names the endpoint by its path; the browser knows the page's own origin (the
  // server never writes an address built from the request's Host header).
  const endpoint = new URL(config.endpoint, document.baseURI).href;
  const notice = document.getElementById("sparql-notice");

  // YASR's table writes each IRI of a result into href='...' as it is, and an IRI may hold a
  // ' (RFC 3987 sub-delims): a result, such as one of a shared query link, could then add
  // attributes (a style, a handler) to the link. Links are made here as DOM nodes instead, and
  // only for http(s) IRIs; any other IRI (javascript:, data:) is shown as text.
  const Table = Yasgui.Yasr.plugins.table;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    const iri = binding.value;
    let shown = iri;
    let prefixed = false;
    Object.keys(prefixes || {}).some(function (prefix) {
      const namespace = prefixes[prefix];
      if (namespace && iri.indexOf(namespace) === 0) {
        shown = prefix + ":" + iri.substring(namespace.length);
        prefixed = true;
      }
      return prefixed;
    });
    const compact = prefixed || (this.persistentConfig && this.persistentConfig.compact);
    const link = document.createElement("a");
    link.className = "iri";
    link.textContent = shown;
    if (/^https?:/i.test(iri)) {
      link.href = iri;
      if (this.config.openIriInNewWindow) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
    }
    // Serialised, the attribute and the text are escaped (HTML's serialisation algorithm).
    return (compact ? "" : "&lt;") + link.outerHTML + (compact ? "" : "&gt;");
  };

  // The server declares the dataset's prefixes, so the editor's checker must know them too (it
  // would mark each use as undeclared): its SPARQL mode starts every parse with them declared.
  const Yasqe = Yasgui.Yasqe;
  const sparqlMode = Yasqe && Yasqe.modes && Yasqe.modes.sparql11;
  if (sparqlMode && Yasqe.defineMode) {
    Yasqe.defineMode("sparql11", function (cmConfig, modeConfig) {
      const mode = sparqlMode(cmConfig, modeConfig);
      const startState = mode.startState;
      mode.startState = function () {
        const state = startState.apply(this, arguments);
        Object.keys(config.prefixes).forEach(function (p) { state.prefixes[p] = config.prefixes[p]; });
        return state;
      };
      return mode;
    });
  }

  // The server declares the dataset's prefixes: the starter needs no PREFIX lines.
  const starter = "SELECT ?thing ?label WHERE {\n  ?thing rdfs:label ?label .\n}\nLIMIT 25\n";

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {
      endpoint: endpoint,
      method: "POST",
    },
    copyEndpointOnNewTab: true,
    // Focusing the editor on load would scroll the page past its introduction.
    autofocus: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    yasqe: {
      value: starter,
      autocompleters: [],
      createShortLink: undefined,
      autofocus: false,
    },
    yasr: {
      prefixes: config.prefixes,
      persistenceId: null,
    },
  });

  // The cap is never silent: show the server's FRKG-Results-Truncated header under the editor.
  const watched = new WeakSet();
  function watch(tab) {
    const yasqe = tab.getYasqe();
    if (!yasqe || watched.has(yasqe)) return;
    watched.add(yasqe);
    yasqe.on("queryResponse", function (_yasqe, response) {
      const cap = response && response.headers && response.headers.get(config.truncatedHeader);
      if (cap) {
        notice.textContent = "Only the first " + cap + " results are shown: the answer was cut " +
          "at this server's result cap. Add a LIMIT and OFFSET, or narrow the query, to see the rest.";
        notice.hidden = false;
      } else {
        notice.hidden = true;
        notice.textContent = "";
      }
    });
  }
  // YASGUI leaves a few controls without a name for assistive technology: name them.
  function label() {
    document.querySelectorAll("#yasgui .yasqe textarea:not([aria-label])").forEach(function (t) {
      t.setAttribute("aria-label", "SPARQL query");
    });
    document.querySelectorAll("#yasgui input.autocomplete:not([aria-label])").forEach(function (i) {
      i.setAttribute("aria-label", "SPARQL endpoint");
    });
    // A tab list may own only tabs: the "new tab" button (which YASGUI keeps inside it, and
    // inserts new tabs before) is announced as the tab that opens a new query.
    document.querySelectorAll("#yasgui [role=tablist] button.addTab:not([role])").forEach(
      function (button) {
        button.setAttribute("role", "tab");
        button.setAttribute("aria-selected", "false");
      }
    );
  }
  label();
  yasgui.on("tabAdd", function () { setTimeout(label, 0); });
  yasgui.on("tabSelect", function () { setTimeout(label, 0); });
  yasgui.on("query", function (_yasgui, tab) { watch(tab); });
  yasgui.on("tabSelect", function () { watch(yasgui.getTab()); });
  watch(yasgui.getTab());

  const examples = {};
  config.examples.forEach(function (example) { examples[example.name] = example; });
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      const example = examples[button.dataset.example];
      const tab = yasgui.getTab();
      tab.setQuery(example.query);
      tab.query();
      document.getElementById("yasgui").scrollIntoView({ block: "start" });
    });
  });

  window.frkgYasgui = yasgui;  // for the browser test and for curious users
})();
