// shishi pages work without JavaScript. This file only adds a progress
// line to imports of big files: while the browser uploads the file and the
// server reads it, the page polls /import/{token}/progress for the number
// of rows read so far.
"use strict";

for (const form of document.querySelectorAll("form[data-progress]")) {
  form.addEventListener("submit", () => {
    const input = form.querySelector("input[type=file]");
    if (input && input.files.length > 0 && input.files[0].size <= Number(form.dataset.big)) {
      return; // a small file is read in a moment
    }
    const box = form.querySelector(".progress");
    const label = box.querySelector(".rows");
    box.hidden = false;
    for (const b of form.querySelectorAll("button")) {
      b.disabled = true; // one import per click
    }
    const tick = async () => {
      try {
        const resp = await fetch(form.dataset.progress, { cache: "no-store" });
        if (resp.ok) {
          const p = await resp.json();
          label.textContent = form.dataset.rows.replace("%d", p.rows.toLocaleString());
        }
      } catch (e) {
        // The page is being replaced by the result; nothing to do.
      }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 300);
  });
}
