/* 指导员工作记录核对台: drag and drop upload, the run's live progress, keyboard and zoom in the
   queue. Plain JavaScript, no library, nothing loaded from the internet. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function setupDrop() {
    var drop = document.getElementById("drop");
    var input = document.getElementById("files");
    var chosen = document.getElementById("chosen");
    if (!drop || !input) { return; }
    function show() {
      var names = [];
      for (var i = 0; i < input.files.length; i++) { names.push(input.files[i].name); }
      chosen.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "";
    }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (kind) {
      drop.addEventListener(kind, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
        document.getElementById("upload-form").submit();
      }
    });
  }

  function setupProgress() {
    var box = document.getElementById("progress");
    if (!box || box.getAttribute("data-state") !== "running") { return; }
    var url = box.getAttribute("data-url");
    var wasRunning = true;
    function poll() {
      fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.json(); })
        .then(function (s) {
          document.getElementById("run-label").textContent = s.label;
          document.getElementById("run-message").textContent = s.message + (s.seconds ? "（" + s.seconds + " 秒）" : "");
          var bar = document.getElementById("run-bar");
          bar.max = s.total || 1;
          bar.value = s.done;
          var log = document.getElementById("run-log");
          log.textContent = "";
          s.log.forEach(function (line) {
            var li = document.createElement("li");
            li.textContent = line;  /* text, never markup */
            log.appendChild(li);
          });
          box.setAttribute("data-state", s.state);
          if (s.state === "running") { setTimeout(poll, 600); return; }
          if (wasRunning) { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    poll();
  }

  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  }

  function setupKeys() {
    var next = document.getElementById("next");
    var prev = document.getElementById("prev");
    document.addEventListener("keydown", function (e) {
      if (e.key === "PageDown" && next) { e.preventDefault(); next.click(); }
      else if (e.key === "PageUp" && prev) { e.preventDefault(); prev.click(); }
      else if (e.key === "Escape" && typing(e.target)) { e.target.value = ""; }
      else if (!typing(e.target) && (e.key === "+" || e.key === "=")) { zoomAll(1.25); }
      else if (!typing(e.target) && e.key === "-") { zoomAll(0.8); }
      else if (!typing(e.target) && e.key === "0") { zoomAll(0); }
    });
  }

  var zooms = [];

  function zoomAll(factor) { zooms.forEach(function (z) { z(factor); }); }

  function setupZoom() {
    Array.prototype.forEach.call(document.querySelectorAll(".zoom"), function (zoom) {
      var view = zoom.querySelector(".zoom-view");
      var img = zoom.querySelector("img");
      var box = (zoom.getAttribute("data-box") || "").split(",").map(Number);
      var scale = 1;
      function toBox() {
        if (box.length !== 4 || isNaN(box[0])) { return; }
        var cx = (box[0] + box[2]) / 2 * img.clientWidth, cy = (box[1] + box[3]) / 2 * img.clientHeight;
        view.scrollLeft = cx - view.clientWidth / 2;
        view.scrollTop = cy - view.clientHeight / 2;
      }
      function apply(factor) {
        scale = factor === 0 ? 1 : Math.min(8, Math.max(1, scale * factor));
        img.style.width = (scale * 100) + "%";
        toBox();
      }
      zooms.push(apply);
      zoom.querySelectorAll("[data-zoom]").forEach(function (b) {
        b.addEventListener("click", function () {
          var how = b.getAttribute("data-zoom");
          apply(how === "in" ? 1.5 : how === "out" ? 1 / 1.5 : 0);
        });
      });
      img.addEventListener("click", function () { apply(scale > 1 ? 0 : 3); });
      img.addEventListener("load", toBox);
    });
  }

  onReady(function () {
    setupDrop();
    setupProgress();
    setupKeys();
    setupZoom();
  });
})();
