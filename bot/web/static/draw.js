/* The draw page: send the form, then follow the job over server-sent events (or by asking every
   few seconds when no stream is free) until its picture is done. */
"use strict";

(() => {
  const { say, api, jobPath, wirePicture, language } = ThaiDraw;
  const POLL_MILLISECONDS = 2000;
  const FINAL = new Set(["done", "failed", "cancelled"]);

  const form = document.getElementById("draw-form");
  const prompt = document.getElementById("prompt");
  const submitButton = form.querySelector("button[type=submit]");
  const formError = document.getElementById("form-error");
  const reply = document.getElementById("reply");
  const panel = document.getElementById("job");
  const image = document.getElementById("job-image");
  const statusLine = document.getElementById("job-status");
  const progress = document.getElementById("job-progress");
  const cancelButton = document.getElementById("job-cancel");
  const result = document.getElementById("job-result");
  const detailsTemplate = document.getElementById("job-details-template");

  let watching = null; // { jobId, source, timer }
  // One Idempotency-Key per draw attempt, sent again when the attempt is retried: a retried
  // post whose first answer was lost gets the first job back instead of drawing twice.
  let attemptKey = null;

  function newAttemptKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs HTTPS
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function formFields() {
    const data = new FormData(form);
    return {
      text: data.get("text"),
      negative: data.get("negative"),
      styles: data.getAll("styles"),
      steps: data.get("steps"),
      size: data.get("size"),
      seed: data.get("seed"),
    };
  }

  function showError(text) {
    formError.textContent = text;
    formError.hidden = !text;
  }

  async function send(event) {
    event.preventDefault();
    showError("");
    reply.hidden = true;
    submitButton.disabled = true;
    submitButton.textContent = say("sending");
    attemptKey ??= newAttemptKey();
    const { status, data } = await api("/api/draw", formFields(), {
      "Idempotency-Key": attemptKey,
    });
    // No answer, or a server error: the job may exist, so a retry keeps the key.
    if (status !== 0 && status < 500) attemptKey = null;
    submitButton.disabled = false;
    submitButton.textContent = say("draw_button");
    if (status === 202) {
      // What the bot adjusted in the request (a size rounded to a multiple of 16, …).
      if (data.notices?.length) {
        reply.textContent = data.notices.join("\n");
        reply.hidden = false;
      }
      return watch(data.job.id, data.position);
    }
    if (status === 200 && data.reply) {
      reply.textContent = data.reply;
      reply.hidden = false;
      return;
    }
    showError(data.error ?? say("busy"));
  }

  function stopWatching() {
    if (!watching) return;
    watching.source?.close();
    clearTimeout(watching.timer);
    watching = null;
  }

  function watch(jobId, position) {
    stopWatching();
    history.replaceState(null, "", `/?job=${encodeURIComponent(jobId)}`);
    panel.hidden = false;
    panel.dataset.job = jobId;
    panel.dataset.step = "0";
    image.hidden = true;
    image.removeAttribute("src");
    image.classList.remove("finished");
    result.replaceChildren();
    cancelButton.hidden = false;
    if (position != null) show("queued", { position }); // null: a retry whose job left the line
    if (window.matchMedia("(max-width: 959px)").matches) {
      panel.scrollIntoView({ behavior: "smooth", block: "start" });
    }
    const source = new EventSource(jobPath(jobId, "events"));
    watching = { jobId, source, timer: null };
    for (const name of ["queued", "running", "progress", ...FINAL]) {
      source.addEventListener(name, (message) => show(name, JSON.parse(message.data)));
    }
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) poll(jobId);
      else statusLine.textContent = say("reconnecting");
    });
  }

  /** Without a stream: ask for the job every few seconds. */
  function poll(jobId) {
    if (watching?.jobId !== jobId) return;
    watching.source = null;
    const ask = async () => {
      const { ok, data } = await api(jobPath(jobId));
      if (watching?.jobId !== jobId) return;
      if (ok) {
        const [name, values] = stateOf(data);
        show(name, values);
        if (FINAL.has(name)) return;
      }
      watching.timer = setTimeout(ask, POLL_MILLISECONDS);
    };
    watching.timer = setTimeout(ask, POLL_MILLISECONDS);
  }

  function stateOf({ job, position }) {
    if (job.status === "queued") return ["queued", { position }];
    if (job.status === "running") return ["running", { step: null, total: job.steps }];
    if (job.status === "done") return ["done", { job }];
    if (job.status === "cancelled") return ["cancelled", { prompt: job.short_prompt }];
    return [job.status, { reason: say("failed_retry") }];
  }

  /** "about 40 s left", from the seconds a step takes on the generator's device. */
  function timeLeft({ step, total, seconds_per_step: secondsPerStep }) {
    if (!secondsPerStep || step >= total) return "";
    const seconds = (total - step) * secondsPerStep;
    if (seconds < 90) return say("seconds_left", { value: Math.max(1, Math.round(seconds)) });
    return say("minutes_left", { value: Math.round(seconds / 60) });
  }

  function show(name, data) {
    panel.dataset.state = name === "progress" ? "running" : name;
    if (name === "queued") {
      statusLine.textContent =
        data.position > 1 ? say("status_queued", data) : say("status_next");
      progress.removeAttribute("value");
    } else if (name === "running") {
      statusLine.textContent = say("status_running");
      progress.max = data.total;
      progress.value = data.step ?? 0;
    } else if (name === "progress") {
      const left = timeLeft(data);
      const done = say("status_progress", data);
      statusLine.textContent = left ? `${done} · ${left}` : done;
      progress.max = data.total;
      progress.value = data.step;
      panel.dataset.step = String(data.step);
      image.src = data.preview;
      image.hidden = false;
    } else if (name === "done") {
      finish();
      statusLine.textContent = say("status_done");
      progress.max = 1;
      progress.value = 1;
      showPicture(data.job);
    } else if (name === "cancelled") {
      finish();
      statusLine.textContent = say("job_cancelled", data);
      progress.value = 0;
    } else {
      finish();
      // The core explains a failure in Thai; other languages get the page's own sentence.
      statusLine.textContent = language === "th" ? data.reason : say("failed_retry");
      progress.value = 0;
    }
  }

  function finish() {
    stopWatching();
    cancelButton.hidden = true;
  }

  function fill(details, job) {
    const models = (job.models ?? []).map((name) => say(`model_${name}`, {}, name)).join(" · ");
    const fields = {
      prompt: job.prompt,
      negative: job.negative || say("nothing"),
      styles: job.styles.join(", ") || say("nothing"),
      steps: job.steps,
      size: `${job.width}×${job.height}`,
      seed: job.seed ?? "",
      platform: say(`platform_${job.platform}`),
      models,
      command: job.command,
    };
    for (const [field, value] of Object.entries(fields)) {
      const element = details.querySelector(`[data-field="${field}"]`);
      if (element) element.textContent = String(value);
    }
    for (const kind of ["up", "down"]) {
      details.querySelector(`[data-count="${kind}"]`).textContent = String(job.votes[kind]);
    }
    const download = details.querySelector('[data-link="download"]');
    download.href = job.image_url;
    download.download = `thaidraw-${job.id}.png`;
    details.querySelector('[data-link="edit"]').href = `/?text=${encodeURIComponent(job.command)}`;
    const page = document.createElement("a");
    page.className = "button";
    page.href = job.page_url;
    page.textContent = `🔗 ${say("picture_page")}`;
    details.querySelector(".actions").append(page);
  }

  function showPicture(job) {
    image.src = job.image_url;
    image.alt = job.prompt;
    image.hidden = false;
    image.classList.toggle("finished", job.width >= 160);
    const details = detailsTemplate.content.firstElementChild.cloneNode(true);
    details.dataset.job = job.id;
    fill(details, job);
    result.replaceChildren(details);
    wirePicture(details, (accepted) => watch(accepted.job.id, accepted.position));
  }

  async function cancel() {
    const jobId = panel.dataset.job;
    const { data } = await api(jobPath(jobId, "cancel"), {});
    // The stream may have told the end already; that says more than "stopping".
    const over = FINAL.has(panel.dataset.state);
    if (panel.dataset.job === jobId && data.message && !over) statusLine.textContent = data.message;
  }

  form.addEventListener("submit", send);
  form.addEventListener("input", () => (attemptKey = null)); // another form: another attempt
  cancelButton.addEventListener("click", cancel);
  // Enter sends, as in a chat box; Shift+Enter starts a new line (and Thai input methods compose).
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  for (const button of document.querySelectorAll("[data-example]")) {
    button.addEventListener("click", () => {
      prompt.value = button.dataset.example;
      attemptKey = null;
      prompt.focus();
    });
  }
  if (panel.dataset.watch) watch(panel.dataset.watch);
})();
