// Record forms: the person picker, "add another person", and grade values per scheme.
"use strict";

(() => {
  /** Person picker: search GET /api/v1/persons?q=… and add hidden person_ids inputs. */
  function setUpPicker(root) {
    const input = root.querySelector("[data-picker-input]");
    const results = root.querySelector("[data-picker-results]");
    const picked = root.querySelector("[data-picked]");
    const url = root.dataset.pickerUrl;
    let timer = null;
    let seq = 0;

    const chosenIds = () => new Set(
      Array.from(picked.querySelectorAll('input[name="person_ids"]')).map((i) => i.value));

    function label(p) {
      return [p.surname, p.given_name, p.patronymic].filter(Boolean).join(" ");
    }

    function add(p) {
      if (chosenIds().has(p.id)) return;
      const li = document.createElement("li");
      li.className = "picked-item";
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "person_ids";
      hidden.value = p.id;
      const name = document.createElement("span");
      name.className = "picked-name";
      name.textContent = label(p);
      const meta = document.createElement("span");
      meta.className = "muted";
      meta.textContent = [p.birth_date || "", p.agency || ""].join(" · ");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-ghost btn-small";
      remove.dataset.pickerRemove = "";
      remove.textContent = root.dataset.remove || "Remove";
      li.append(hidden, name, meta, remove);
      picked.append(li);
    }

    function show(items) {
      results.replaceChildren();
      const ids = chosenIds();
      const fresh = items.filter((p) => !ids.has(p.id));
      if (!fresh.length) {
        const li = document.createElement("li");
        li.className = "empty-result";
        li.textContent = root.dataset.empty || "—";
        results.append(li);
      }
      for (const p of fresh) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.tabIndex = 0;
        li.dataset.personId = p.id;
        const strong = document.createElement("strong");
        strong.textContent = label(p);
        const meta = document.createElement("span");
        meta.className = "sub";
        meta.textContent = "  " + [p.birth_date || "", p.agency || ""].filter(Boolean).join(" · ");
        li.append(strong, meta);
        const choose = () => { add(p); results.hidden = true; input.value = ""; input.focus(); };
        li.addEventListener("click", choose);
        li.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); choose(); } });
        results.append(li);
      }
      results.hidden = false;
    }

    async function search() {
      const q = input.value.trim();
      if (q.length < 1) { results.hidden = true; return; }
      const mine = ++seq;
      try {
        const response = await fetch(`${url}?q=${encodeURIComponent(q)}&per_page=10`, {
          credentials: "same-origin", headers: { Accept: "application/json" },
        });
        if (!response.ok || mine !== seq) return;
        const data = await response.json();
        show(Array.isArray(data.items) ? data.items : []);
      } catch (_) {
        results.hidden = true;
      }
    }

    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); search(); }
      if (e.key === "Escape") results.hidden = true;
      if (e.key === "ArrowDown") { const first = results.querySelector("[role=option]"); if (first) first.focus(); }
    });
    picked.addEventListener("click", (e) => {
      const button = e.target.closest("[data-picker-remove]");
      if (button) button.closest("li").remove();
    });
    document.addEventListener("click", (e) => { if (!root.contains(e.target)) results.hidden = true; });
  }

  /** "Add another person": clone the last inline group with fresh names new_persons-N-field. */
  function setUpInlinePersons(section) {
    const box = section.querySelector("[data-inline-persons]");
    const button = section.querySelector("[data-add-person]");
    if (!box || !button) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const groups = box.querySelectorAll("[data-inline-person]");
      const last = groups[groups.length - 1];
      const index = groups.length;
      const copy = last.cloneNode(true);
      copy.querySelectorAll(".field-error").forEach((el) => el.remove());
      copy.querySelectorAll(".has-error").forEach((el) => el.classList.remove("has-error"));
      copy.querySelectorAll("input, select, label").forEach((el) => {
        for (const attr of ["name", "id", "for"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/new_persons-\d+-/, `new_persons-${index}-`));
        }
        if (el.tagName === "INPUT") el.value = "";
        if (el.tagName === "SELECT") el.selectedIndex = 0;
        el.removeAttribute("aria-invalid");
      });
      const number = copy.querySelector("[data-person-no]");
      if (number) number.textContent = String(index + 1);
      box.append(copy);
      const first = copy.querySelector("input");
      if (first) first.focus();
    });
  }

  /** Grade selects follow the grading scheme (values differ between schemes). */
  function setUpGrading(root) {
    const choices = JSON.parse(root.dataset.choices || "{}");
    const scheme = root.querySelector("[data-grading-scheme]");
    const handlingBox = root.querySelector("[data-grade-handling]");
    if (!scheme) return;
    scheme.addEventListener("change", () => {
      const values = choices[scheme.value] || {};
      root.querySelectorAll("[data-grade-part]").forEach((select) => {
        const part = select.dataset.gradePart;
        const current = select.value;
        const options = values[part] || [];
        select.replaceChildren(new Option("—", ""));
        for (const [value, text] of options) {
          select.append(new Option(text, value, false, value === current));
        }
      });
      if (handlingBox) handlingBox.classList.toggle("is-hidden", !(values.handling || []).length);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-picker]").forEach(setUpPicker);
    document.querySelectorAll("[data-persons]").forEach(setUpInlinePersons);
    document.querySelectorAll("[data-grading]").forEach(setUpGrading);
  });
})();
