// Search suggestions for the search box of every page: no framework, same origin only.
// As the reader types, the JSON twin of /search fills the box's <datalist>; picking a
// suggestion opens its page. Without this script the box still submits to /search.
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  var list = document.getElementById("site-search-suggestions");
  if (!input || !list || !window.fetch) {
    return;
  }
  var endpoint = input.getAttribute("data-suggest");
  var urls = {};
  var timer = null;
  var latest = 0;

  function fill(results) {
    urls = {};
    list.textContent = "";
    results.forEach(function (r) {
      if (!r.url || urls[r.label]) {
        return;
      }
      urls[r.label] = r.url;
      var option = document.createElement("option");
      option.value = r.label;
      list.appendChild(option);
    });
  }

  function suggest() {
    var q = input.value.trim();
    if (q.length < 2) {
      fill([]);
      return;
    }
    var ticket = ++latest;
    var url = endpoint + "?format=json&limit=8&q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) { if (ticket === latest) { fill(body.results || []); } })
      .catch(function () { /* suggestions are a convenience: the form still works */ });
  }

  input.addEventListener("input", function (event) {
    // A suggestion picked from the list arrives as a whole replacement of the text.
    var picked = !(event instanceof InputEvent) || event.inputType === "insertReplacementText";
    if (picked && Object.prototype.hasOwnProperty.call(urls, input.value)) {
      window.location.href = urls[input.value];
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
})();
