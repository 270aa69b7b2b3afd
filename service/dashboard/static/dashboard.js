// The few lines htmx does not cover: the raw-data tree of the mapping editor (a node's
// button writes its JMESPath into the expression box and previews it at once; the
// "Contents" buttons fold a node) and the switch between an element's `[0]` and a
// filter (`[?primary]... | [0]`). Everything acts only inside the editor's form.
(function () {
  "use strict";

  function editorOf(target) {
    return target instanceof Element ? target.closest("#mapping-form") : null;
  }

  function preview(box) {  // the box's hx-trigger includes "pick": no debounce
    if (window.htmx) { window.htmx.trigger(box, "pick"); }
  }

  function offerFilter(editor, indexPath, filterPath) {
    const toggle = editor.querySelector("#filter-switch");
    const shown = editor.querySelector("#filter-shown");
    if (!toggle) { return; }
    toggle.hidden = !filterPath;
    toggle.dataset.indexPath = indexPath || "";
    toggle.dataset.filterPath = filterPath || "";
    toggle.setAttribute("aria-pressed", "false");
    shown.textContent = filterPath || "";
  }

  document.addEventListener("click", function (event) {
    const editor = editorOf(event.target);
    if (!editor) { return; }
    const box = editor.querySelector("#json_path");
    const fold = event.target.closest("button[data-fold]");
    if (fold) {
      const open = fold.getAttribute("aria-expanded") === "true";
      const children = document.getElementById(fold.getAttribute("aria-controls"));
      fold.setAttribute("aria-expanded", String(!open));
      fold.textContent = open ? "▸" : "▾";
      if (children) { children.hidden = open; }
      return;
    }
    const node = event.target.closest("button[data-path]");
    if (node && box) {
      box.value = node.dataset.path;
      editor.querySelectorAll("button[data-path][aria-current]").forEach(function (b) {
        b.removeAttribute("aria-current");
      });
      if (node.closest(".tree")) { node.setAttribute("aria-current", "true"); }
      offerFilter(editor, node.dataset.path, node.dataset.filterPath);
      preview(box);
      return;
    }
    const toggle = event.target.closest("#filter-switch");
    if (toggle && box) {
      const filtered = toggle.getAttribute("aria-pressed") !== "true";
      box.value = filtered ? toggle.dataset.filterPath : toggle.dataset.indexPath;
      toggle.setAttribute("aria-pressed", String(filtered));
      editor.querySelector("#filter-shown").textContent =
        filtered ? toggle.dataset.indexPath : toggle.dataset.filterPath;
      preview(box);
    }
  });

  document.addEventListener("keydown", function (event) {
    // Enter in the expression box previews at once rather than submitting the form
    // (saving is the Save buttons' job)
    const editor = editorOf(event.target);
    if (editor && event.key === "Enter" && event.target.id === "json_path") {
      event.preventDefault();
      preview(event.target);
    }
  });

  document.addEventListener("input", function (event) {
    // typed by hand: the switch no longer describes the box
    const editor = editorOf(event.target);
    const toggle = editor && editor.querySelector("#filter-switch");
    if (toggle && !toggle.hidden && event.target.id === "json_path" &&
        event.target.value !== toggle.dataset.indexPath &&
        event.target.value !== toggle.dataset.filterPath) {
      offerFilter(editor, "", "");
    }
  });
})();

// An error page answered to an htmx request is a fragment the guard retargets to
// #messages (HX-Retarget); htmx 2 swaps no 4xx/5xx by default, so swap those.
document.addEventListener("htmx:beforeSwap", function (event) {
  const xhr = event.detail.xhr;
  if (xhr && xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
