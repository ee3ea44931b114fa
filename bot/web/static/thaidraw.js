/* ThaiDraw's shared page script: texts, the JSON API, local times and a picture's buttons.
   Everything shown from data is set with textContent, never parsed as HTML. */
"use strict";

const ThaiDraw = (() => {
  const texts = JSON.parse(document.getElementById("texts").textContent);
  const language = document.documentElement.lang;

  /** The page's text for `key` (or `fallback`), with {name} placeholders filled in. */
  function say(key, values = {}, fallback = key) {
    const text = texts[key] ?? fallback;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  }

  /** GET `path`, or POST `body` as JSON (with extra `headers`); never throws. */
  async function api(path, body, headers = {}) {
    const options = {
      credentials: "same-origin",
      headers: { Accept: "application/json", ...headers },
    };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(path, options);
      const data = await response.json().catch(() => ({}));
      return { ok: response.ok, status: response.status, data };
    } catch {
      return { ok: false, status: 0, data: { error: say("busy") } };
    }
  }

  function jobPath(jobId, action = "") {
    return `/api/jobs/${encodeURIComponent(jobId)}${action ? `/${action}` : ""}`;
  }

  const timeFormat = new Intl.DateTimeFormat(language === "th" ? "th-TH" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });

  /** Times arrive in UTC; show them in the visitor's own zone and calendar. */
  function showLocalTimes(root) {
    for (const element of root.querySelectorAll("time[datetime]")) {
      const moment = new Date(element.dateTime);
      if (!Number.isNaN(moment.getTime())) element.textContent = timeFormat.format(moment);
    }
  }

  function tell(details, text, isError = false) {
    const line = details.querySelector(".action-message");
    line.textContent = text;
    line.classList.toggle("is-error", isError);
  }

  async function vote(details, button) {
    const { ok, data } = await api(jobPath(details.dataset.job, "feedback"), {
      vote: button.dataset.vote,
    });
    if (!ok) return tell(details, data.error ?? say("busy"), true);
    for (const [kind, count] of Object.entries(data.votes)) {
      const counter = details.querySelector(`[data-count="${kind}"]`);
      if (counter) counter.textContent = String(count);
    }
    for (const other of details.querySelectorAll("[data-vote]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    tell(details, say("thanks_for_vote"));
  }

  async function redraw(details, button, onAccepted) {
    button.disabled = true;
    const { ok, data } = await api(jobPath(details.dataset.job, "redraw"), {});
    button.disabled = false;
    if (!ok) return tell(details, data.error ?? say("busy"), true);
    onAccepted(data);
  }

  function watchOnDrawPage(accepted) {
    window.location.assign(`/?job=${encodeURIComponent(accepted.job.id)}`);
  }

  /** 👍 👎 and 🔁 of one picture's details; `onAccepted` gets the new job of a redraw. */
  function wirePicture(details, onAccepted = watchOnDrawPage) {
    details.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button || !details.contains(button)) return;
      if (button.dataset.vote) vote(details, button);
      else if ("redraw" in button.dataset) redraw(details, button, onAccepted);
    });
  }

  function wireAutoSubmit(root) {
    for (const form of root.querySelectorAll("form[data-autosubmit]")) {
      for (const select of form.querySelectorAll("select")) {
        select.addEventListener("change", () => form.requestSubmit());
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    showLocalTimes(document);
    for (const details of document.querySelectorAll(".job-details[data-job]")) {
      if (details.dataset.job) wirePicture(details);
    }
    wireAutoSubmit(document);
  });

  return { say, api, jobPath, showLocalTimes, wirePicture, language };
})();
