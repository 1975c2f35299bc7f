/* Places upload (grants/templates/places/show.html): progressive enhancement of the form.
 *
 * Without this script the form posts normally and the server answers with the page. With it,
 * the same form data goes by XMLHttpRequest, a <progress> shows how much of the file is sent,
 * a live region says so in words, and the server's answer (the very page it would have shown:
 * the result, or the errors per line) replaces the page's main content.
 *
 * What it says comes from the form's data-text-* attributes, in the page's language; {name},
 * {size}, {percent} and {max} in them are filled in here.
 */
(function () {
  "use strict";

  var STEPS = 4; // announce 25, 50, 75 and 100 percent, not every event

  function formatMegabytes(bytes) {
    var language = document.documentElement.lang || "nl";
    return (bytes / (1024 * 1024)).toLocaleString(language, { maximumFractionDigits: 1 }) +
      " MB";
  }

  function text(form, key, values) {
    var template = form.getAttribute("data-text-" + key) || "";
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function showClientError(form, message) {
    var main = document.querySelector("main");
    var old = main.querySelector(".error-summary");
    if (old) { old.remove(); }
    var summary = document.createElement("div");
    summary.className = "error-summary";
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    var title = document.createElement("h2");
    title.textContent = text(form, "problem");
    var list = document.createElement("ul");
    var item = document.createElement("li");
    var link = document.createElement("a");
    var input = form.querySelector("input[type=file]");
    link.href = "#" + input.id;
    link.textContent = message;
    item.appendChild(link);
    list.appendChild(item);
    summary.appendChild(title);
    summary.appendChild(list);
    var heading = main.querySelector("h1");
    var lead = heading.nextElementSibling && heading.nextElementSibling.classList.contains("lead")
      ? heading.nextElementSibling : heading;
    lead.insertAdjacentElement("afterend", summary);
    summary.focus();
  }

  function replaceMain(doc) {
    var fresh = doc && doc.querySelector("main");
    if (!fresh) { return false; }
    Array.prototype.forEach.call(fresh.querySelectorAll("script"), function (script) {
      script.remove();
    });
    var main = document.querySelector("main");
    var nodes = Array.prototype.map.call(fresh.childNodes, function (node) {
      return document.importNode(node, true);
    });
    main.replaceChildren.apply(main, nodes);
    if (doc.title) { document.title = doc.title; }
    enhance(main);
    var target = main.querySelector(".error-summary") || main.querySelector(".notice") ||
      main.querySelector("h1");
    if (target) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
    }
    return true;
  }

  function upload(form, file) {
    var wrapper = form.querySelector(".places-upload__progress");
    var bar = form.querySelector("progress");
    var status = form.querySelector("[role=status]");
    var button = form.querySelector("button[type=submit]");
    var announced = -1;

    function say(text) { status.textContent = text; }
    function fail(text) {
      wrapper.hidden = true;
      button.disabled = false;
      form.removeAttribute("aria-busy");
      say(text);
    }

    wrapper.hidden = false;
    bar.value = 0;
    bar.textContent = "0%";
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    say(text(form, "uploading", { name: file.name, size: formatMegabytes(file.size) }));

    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.responseType = "document";
    request.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      bar.textContent = percent + "%";
      var step = Math.floor((percent / 100) * STEPS);
      if (step > announced && step > 0) {
        announced = step;
        say(text(form, "progress", { percent: percent }));
      }
    });
    request.upload.addEventListener("load", function () {
      bar.value = 100;
      bar.textContent = "100%";
      say(text(form, "uploaded"));
    });
    request.addEventListener("load", function () {
      var doc = request.response;
      if (doc && doc.querySelector("[data-places-import-status]") && request.responseURL) {
        // A large file goes to a job: its status page follows it with a script of its own.
        window.location.assign(request.responseURL);
        return;
      }
      if (!replaceMain(doc)) {
        fail(text(form, "unreadable"));
      }
    });
    request.addEventListener("error", function () {
      fail(text(form, "failed"));
    });
    request.addEventListener("abort", function () {
      fail(text(form, "aborted"));
    });
    request.send(new FormData(form));
  }

  function enhance(root) {
    if (!window.XMLHttpRequest || !window.FormData) { return; }
    Array.prototype.forEach.call(root.querySelectorAll("form[data-places-upload]"),
      function (form) {
        form.addEventListener("submit", function (event) {
          var input = form.querySelector("input[type=file]");
          var file = input && input.files && input.files[0];
          if (!file) { return; } // the server says what is missing, as without script
          event.preventDefault();
          var max = parseInt(form.getAttribute("data-max-bytes"), 10);
          if (max && file.size > max) {
            showClientError(form, text(form, "too-large",
              { size: formatMegabytes(file.size), max: formatMegabytes(max) }));
            return;
          }
          upload(form, file);
        });
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
}());
