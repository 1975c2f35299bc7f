/* Status page of a places import (grants/templates/places/import.html).
 *
 * While the job reads the file, ask the server every two seconds how far it is (the page's
 * data-progress-url, same origin) and move the <progress> and its text along, without
 * reloading the page, so a screen reader keeps its place; the live region says so at every
 * quarter. Once the import is finished, load the page again: it then shows the result or the
 * refusal per line. Without this script the page has a link to refresh it by hand.
 */
(function () {
  "use strict";

  var INTERVAL = 2000;
  var STEPS = 4; // announce 25, 50, 75 and 100 percent, not every poll

  function follow(section) {
    var url = section.getAttribute("data-progress-url");
    var bar = section.querySelector("progress");
    var text = document.getElementById("places-import-text");
    var announce = document.getElementById("places-import-announce");
    var state = document.getElementById("inlezen-stand");
    var announced = Math.floor((bar.value / (bar.max || 1)) * STEPS);

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (figures) {
          if (figures.finished) {
            window.location.replace(section.getAttribute("data-page-url"));
            return;
          }
          bar.max = figures.total_bytes;
          bar.value = figures.bytes_read;
          bar.textContent = figures.percent + "%";
          text.textContent = figures.text;
          if (state) { state.textContent = figures.status_label; }
          var step = Math.floor((figures.percent / 100) * STEPS);
          if (step > announced) {
            announced = step;
            announce.textContent = figures.text;
          }
          window.setTimeout(poll, INTERVAL);
        })
        .catch(function () {
          // A lost connection or a server restart: try again a little later.
          window.setTimeout(poll, INTERVAL * 3);
        });
    }

    window.setTimeout(poll, INTERVAL);
  }

  function start() {
    if (!window.fetch) { return; }
    var section = document.querySelector("[data-places-import]");
    if (section) { follow(section); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
