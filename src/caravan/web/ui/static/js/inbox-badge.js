// Caravan: keep the navigation's unread-notifications badge current (every 15 s).
// Vanilla JS, no inline script (CSP: script-src 'self'); stops when signed out.
"use strict";

(() => {
  const PERIOD_MS = 15000;

  function badgeOf(link) {
    let badge = link.querySelector(".nav-badge-inbox");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "nav-badge nav-badge-inbox";
      badge.title = link.dataset.unreadTitle || "";
      link.append(" ", badge);
    }
    return badge;
  }

  async function refresh(link, timer) {
    try {
      const response = await fetch("/api/v1/notifications/unread-count", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.status === 401) {
        window.clearInterval(timer);
        return;
      }
      if (!response.ok) return;
      const { unread } = await response.json();
      const existing = link.querySelector(".nav-badge-inbox");
      if (unread > 0) {
        badgeOf(link).textContent = String(unread);
      } else if (existing) {
        existing.remove();
      }
    } catch (_error) {
      // offline for a moment: try again at the next tick
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const link = document.querySelector("a.nav-inbox");
    if (!link) return;
    const existing = link.querySelector(".nav-badge-inbox");
    if (existing) link.dataset.unreadTitle = existing.title;
    const timer = window.setInterval(() => refresh(link, timer), PERIOD_MS);
  });
})();
