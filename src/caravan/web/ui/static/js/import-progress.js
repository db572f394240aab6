// Job pages (imports, batches of checks, resolution runs): poll the status every 500 ms,
// move the bar, reload when finished. The panel's data attributes name the status's fields:
// data-progress-done / data-progress-total (the bar) and data-count (the number shown);
// a [data-job-step] element shows the status's step_label, a [data-job-total] its total.
"use strict";

(() => {
  const FINISHED = new Set(["done", "failed", "error", "interrupted"]);

  function start(panel) {
    if (FINISHED.has(panel.dataset.status)) return;
    const bar = panel.querySelector("[data-progress-bar]");
    const badge = panel.querySelector("[data-job-status]");
    const rows = panel.querySelector("[data-rows]");
    const step = panel.querySelector("[data-job-step]");
    const total = panel.querySelector("[data-job-total]");
    const doneKey = panel.dataset.progressDone || "bytes_read";
    const totalKey = panel.dataset.progressTotal || "bytes_total";
    const countKey = panel.dataset.count || "rows_read";
    const lang = document.documentElement.lang || "en";
    const fmt = new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB");

    async function poll() {
      let data;
      try {
        const response = await fetch(panel.dataset.statusUrl, {
          credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store",
        });
        if (!response.ok) { setTimeout(poll, 2000); return; }
        data = await response.json();
      } catch (_) {
        setTimeout(poll, 2000);
        return;
      }
      const status = data.status;
      badge.textContent = panel.dataset["label" + status.charAt(0).toUpperCase() + status.slice(1)] || status;
      badge.className = `status status-${status}`;
      rows.textContent = fmt.format(data[countKey] || 0);
      if (step && data.step_label !== undefined) step.textContent = data.step_label;
      if (total) total.textContent = fmt.format(data[totalKey] || 0);
      if (data[totalKey]) bar.value = Math.min(100, Math.round((100 * (data[doneKey] || 0)) / data[totalKey]));
      if (FINISHED.has(status)) {
        bar.value = 100;
        window.location.reload();
        return;
      }
      setTimeout(poll, 500);
    }
    setTimeout(poll, 300);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-job]").forEach(start);
  });
})();
