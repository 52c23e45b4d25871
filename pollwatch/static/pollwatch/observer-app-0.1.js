// The observer app: works offline. Reports wait in an IndexedDB queue and are sent
// when the network is back; each carries a UUID made here, so a retry never
// creates a second report on the server.
"use strict";

const app = document.getElementById("app");
const API = app.dataset.api;
const DB_NAME = "pollwatch-observer";
const TEXTS = {
  en: { stations: "My stations", reports: "My reports", send: "Send now", submit: "Save and send", online: "online", offline: "offline — reports wait here", queued: "waiting to be sent", sent: "sending", accepted: "accepted", partial: "accepted with problems", rejected: "rejected", duplicate: "accepted", reserve: "reserve", back: "← back", required: "required", needed: "Please answer this question.", whole: "Enter a whole number.", below: "The answer cannot be less than {n}.", above: "The answer cannot be more than {n}.", long: "The text is too long (at most {n} characters).", empty: "Answer at least one question before sending.", fix: "Please correct the marked answers; nothing has been sent.", confirm: "Please check the marked answers. If they are right, send anyway.", anyway: "Send anyway", entered: "Entered: {values}" },
  az: { stations: "Məntəqələrim", reports: "Hesabatlarım", send: "İndi göndər", submit: "Yadda saxla və göndər", online: "onlayn", offline: "oflayn — hesabatlar burada gözləyir", queued: "göndərilməyi gözləyir", sent: "göndərilir", accepted: "qəbul edildi", partial: "problemlərlə qəbul edildi", rejected: "rədd edildi", duplicate: "qəbul edildi", reserve: "ehtiyat", back: "← geri", required: "mütləqdir", needed: "Bu suala cavab verin.", whole: "Tam ədəd daxil edin.", below: "Cavab ən azı {n} olmalıdır.", above: "Cavab ən çoxu {n} ola bilər.", long: "Mətn çox uzundur (ən çoxu {n} simvol).", empty: "Göndərməzdən əvvəl ən azı bir suala cavab verin.", fix: "İşarələnmiş cavabları düzəldin; heç nə göndərilməyib.", confirm: "İşarələnmiş cavabları yoxlayın. Düzdürsə, yenə də göndərin.", anyway: "Yenə də göndər", entered: "Daxil edilib: {values}" },
  ru: { stations: "Мои участки", reports: "Мои отчёты", send: "Отправить сейчас", submit: "Сохранить и отправить", online: "в сети", offline: "нет сети — отчёты ждут здесь", queued: "ждёт отправки", sent: "отправляется", accepted: "принят", partial: "принят с замечаниями", rejected: "отклонён", duplicate: "принят", reserve: "резерв", back: "← назад", required: "обязательно", needed: "Ответьте на этот вопрос.", whole: "Введите целое число.", below: "Ответ должен быть не меньше {n}.", above: "Ответ должен быть не больше {n}.", long: "Текст слишком длинный (не более {n} символов).", empty: "Перед отправкой ответьте хотя бы на один вопрос.", fix: "Исправьте отмеченные ответы; ничего не отправлено.", confirm: "Проверьте отмеченные ответы. Если они верны, отправьте всё равно.", anyway: "Всё равно отправить", entered: "Введено: {values}" },
  ur: { stations: "میرے پولنگ اسٹیشن", reports: "میری رپورٹیں", send: "ابھی بھیجیں", submit: "محفوظ کریں اور بھیجیں", online: "آن لائن", offline: "آف لائن — رپورٹیں یہاں انتظار کر رہی ہیں", queued: "بھیجنے کے انتظار میں", sent: "بھیجی جا رہی ہے", accepted: "قبول", partial: "مسائل کے ساتھ قبول", rejected: "مسترد", duplicate: "قبول", reserve: "ریزرو", back: "← واپس", required: "لازمی", needed: "براہِ کرم اس سوال کا جواب دیں۔", whole: "براہِ کرم مکمل عدد درج کریں۔", below: "جواب {n} سے کم نہیں ہو سکتا۔", above: "جواب {n} سے زیادہ نہیں ہو سکتا۔", long: "متن بہت لمبا ہے (زیادہ سے زیادہ {n} حروف)۔", empty: "بھیجنے سے پہلے کم از کم ایک سوال کا جواب دیں۔", fix: "نشان زدہ جوابات درست کریں؛ ابھی کچھ نہیں بھیجا گیا۔", confirm: "نشان زدہ جوابات دیکھ لیں۔ اگر درست ہیں تو پھر بھی بھیج دیں۔", anyway: "پھر بھی بھیجیں", entered: "درج کردہ: {values}" },
};
let me = null;
let lang = "en";
const t = (key) => (TEXTS[lang] || TEXTS.en)[key] || TEXTS.en[key] || key;
const label = (text) => (text && typeof text === "object" ? text[lang] || text.en || Object.values(text)[0] : text || "");

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("queue", { keyPath: "client_uuid" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function store(mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("queue", mode);
    const result = fn(tx.objectStore("queue"));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}
const allReports = () => store("readonly", (s) => s.getAll());
const putReport = (report) => store("readwrite", (s) => s.put(report));

function token() { return localStorage.getItem("pollwatch-token"); }
function headers() { return { "Authorization": "Token " + token(), "Content-Type": "application/json" }; }

function showNet() {
  const net = document.getElementById("net");
  net.textContent = navigator.onLine ? t("online") : t("offline");
  net.classList.toggle("offline", !navigator.onLine);
}

// The observer's start data, asked for with the tag of the copy kept on the phone.
// Returns the new data (and keeps it), the kept copy when the server says it is
// unchanged (304) or cannot be reached, and null when the token is refused (401:
// signed out, and what was kept for this token is forgotten).
async function loadMe() {
  const kept = keptMe();
  const asked = { ...headers() };
  if (kept && kept.etag) asked["If-None-Match"] = kept.etag;
  try {
    // no-store: the copy in localStorage is the cache; a 304 comes back to us as it is.
    const response = await fetch(API + "me", { headers: asked, cache: "no-store" });
    if (response.status === 401) {
      localStorage.removeItem("pollwatch-token");
      localStorage.removeItem("pollwatch-me");
      return null;
    }
    if (response.status === 304 && kept) return kept.data;
    if (response.ok) {
      const data = await response.json();
      localStorage.setItem("pollwatch-me", JSON.stringify({ etag: response.headers.get("ETag"), data }));
      return data;
    }
  } catch (error) { /* offline: fall back to what we saw last time */ }
  return kept ? kept.data : null;
}

function show(id) {
  for (const section of ["signin", "home", "fill"]) document.getElementById(section).hidden = section !== id;
}

async function renderHome() {
  show("home");
  document.getElementById("home-title").textContent = t("stations");
  document.getElementById("queue-title").textContent = t("reports");
  document.getElementById("sync").textContent = t("send");
  const list = document.getElementById("deployments");
  list.replaceChildren();
  for (const deployment of me.deployments) {
    const item = document.createElement("li");
    const title = document.createElement("strong");
    title.textContent = `${deployment.station} · ${deployment.name}` + (deployment.reserve ? ` (${t("reserve")})` : "");
    item.append(title);
    for (const form of me.forms.filter((f) => f.election === deployment.election)) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `${form.code} · ${label(form.spec.name) || form.name}`;
      button.dataset.form = form.code;
      button.dataset.station = deployment.station;
      button.addEventListener("click", () => renderForm(form, deployment));
      item.append(button);
    }
    list.append(item);
  }
  await renderQueue();
}

async function renderQueue() {
  const reports = (await allReports()).sort((a, b) => b.created.localeCompare(a.created));
  const list = document.getElementById("queue");
  list.replaceChildren();
  for (const report of reports) {
    const item = document.createElement("li");
    item.dataset.uuid = report.client_uuid;
    item.className = "report";
    const status = document.createElement("span");
    status.className = "status status-" + report.status;
    status.textContent = t(report.status);
    item.append(`${report.form} · ${report.station} · ${report.created.slice(11, 16)} — `, status);
    if (report.reason) {
      const reason = document.createElement("div");
      reason.className = "small";
      reason.textContent = report.reason;
      item.append(reason);
    }
    list.append(item);
  }
  const waiting = reports.filter((r) => r.status === "queued" || r.status === "sent").length;
  document.getElementById("queue-summary").textContent = waiting ? `${waiting} ${t("queued")}` : "";
}

function questionInput(question) {
  const wrap = document.createElement("div");
  wrap.className = "question";
  wrap.dataset.code = question.code;
  const title = document.createElement("span");
  title.textContent = `${question.code}. ${label(question.label)}` + (question.required ? " *" : "");
  wrap.append(title);
  const name = question.code;
  if (question.kind === "yes_no" || question.kind === "single" || question.kind === "multiple") {
    const choices = document.createElement("div");
    choices.className = "choices";
    const options = question.kind === "yes_no"
      ? [{ code: "1", label: { en: "Yes", az: "Bəli", ru: "Да", ur: "ہاں" } }, { code: "0", label: { en: "No", az: "Xeyr", ru: "Нет", ur: "نہیں" } }]
      : question.options || [];
    for (const option of options) {
      const choice = document.createElement("label");
      const input = document.createElement("input");
      input.type = question.kind === "multiple" ? "checkbox" : "radio";
      input.name = name;
      input.value = option.code;
      choice.append(input, label(option.label));
      choices.append(choice);
    }
    wrap.append(choices);
  } else if (question.kind === "integer") {
    const input = document.createElement("input");
    input.type = "number"; input.inputMode = "numeric"; input.name = name; input.step = "1";
    if (question.minimum !== null && question.minimum !== undefined) input.min = question.minimum;
    if (question.maximum !== null && question.maximum !== undefined) input.max = question.maximum;
    wrap.append(input);
  } else if (question.kind === "photo") {
    const input = document.createElement("input");
    input.type = "file"; input.accept = "image/*"; input.capture = "environment"; input.name = name;
    wrap.append(input);
  } else {
    const input = document.createElement("textarea");
    input.name = name;
    wrap.append(input);
  }
  return wrap;
}

// Form logic, as pollwatch/formspec/validate.py applies it on the server: answers are
// read as validate.py coerces them, relevance is evaluated in form order (a question
// that does not apply hides its answer from the questions after it, and UNKNOWN means
// it does not apply), then required answers, ranges and the form's checks. The server
// stays the judge; this lets the observer see what applies and what is wrong before
// sending. Without formlogic-0.1.js every question shows and only the server checks.
const Logic = window.PollwatchLogic || null;
const MAX_TEXT_LENGTH = 5000;  // validate.MAX_TEXT_LENGTH
const INTEGER = /^[+-]?\d{1,15}$/;  // validate._INTEGER
const compiledForms = new WeakMap();

function compiled(form) {
  if (compiledForms.has(form)) return compiledForms.get(form);
  const questions = (form.spec.groups || []).flatMap((g) => g.questions || []).concat(form.spec.questions || []);
  const codes = questions.map((q) => q.code);
  const compile = (source) => {
    if (!Logic || source === null || source === undefined) return null;
    // The server compiled it already; if the phone cannot (see docs/form-logic.md), the server decides.
    try { return Logic.compile(source, codes); } catch (error) { return null; }
  };
  const result = {
    questions,
    relevant: new Map(questions.map((q) => [q.code, compile(q.relevant)])),
    checks: (form.spec.checks || []).map((check) => ({ check, expression: compile(check.expression) }))
      .filter((entry) => entry.expression),
  };
  compiledForms.set(form, result);
  return result;
}

// Python's truth value of an expression's result (validate.py: `if outcome is UNKNOWN or outcome`).
function truthy(value) {
  if (typeof value === "bigint") return value !== 0n;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
  if (value instanceof Set) return value.size > 0;
  return Boolean(value);
}

// validate._expression_value: an option code made of digits reads as a number.
const optionValue = (code) => (/^\d+$/.test(code) ? BigInt(code) : code);

function formText(text, formLanguages) {
  // validate.py: the observer's language, else the form's first language, else any.
  if (!text || typeof text !== "object") return text || "";
  return text[me.observer.language] || text[(formLanguages || [])[0]] || Object.values(text)[0] || "";
}

// One reading of the form as it stands: which questions apply, the answers to send,
// and the problems, each {code, message, level: "error" | "warning"}.
function evaluateForm(element, form) {
  const { questions, relevant, checks } = compiled(form);
  const data = new FormData(element);
  const given = {};      // code -> answer as sent
  const env = {};        // code -> value as expressions see it
  const problems = [];
  for (const question of questions) {
    const code = question.code;
    const input = element.querySelector(`[name="${code}"]`);
    if (question.kind === "integer" && input && input.validity && input.validity.badInput) {
      problems.push({ code, message: t("whole"), level: "error" });
      continue;
    }
    const values = data.getAll(code).filter((v) => (v instanceof File ? v.size : String(v).trim() !== ""));
    if (!values.length) continue;
    if (question.kind === "multiple") {
      given[code] = values;
      env[code] = values.map(optionValue);
    } else if (question.kind === "yes_no") {
      given[code] = env[code] = Number(values[0]);
    } else if (question.kind === "single") {
      given[code] = values[0];
      env[code] = optionValue(values[0]);
    } else if (question.kind === "integer") {
      // What the observer typed is sent even when it breaks a rule (if they confirm): the
      // server keeps it in the raw report and flags it; checks read only valid numbers.
      const text = String(values[0]).trim();
      if (!INTEGER.test(text)) {
        problems.push({ code, message: t("whole"), level: "error" });
        given[code] = text;
        continue;
      }
      const number = Number(text);
      given[code] = number;
      if (question.minimum !== null && question.minimum !== undefined && number < question.minimum) {
        problems.push({ code, message: t("below").replace("{n}", question.minimum), level: "error" });
        continue;
      }
      if (question.maximum !== null && question.maximum !== undefined && number > question.maximum) {
        problems.push({ code, message: t("above").replace("{n}", question.maximum), level: "error" });
        continue;
      }
      env[code] = number;
    } else if (question.kind === "photo") {
      given[code] = values[0];
      env[code] = values[0].name || "photo";
    } else {
      const text = String(values[0]).trim();
      if ([...text].length > MAX_TEXT_LENGTH) {
        problems.push({ code, message: t("long").replace("{n}", MAX_TEXT_LENGTH), level: "error" });
        continue;
      }
      given[code] = env[code] = text;
    }
  }
  const applies = new Set();
  for (const question of questions) {
    const expression = relevant.get(question.code);
    if (expression && expression.evaluate(env) !== true) {
      delete env[question.code];
      continue;
    }
    applies.add(question.code);
    if (question.required && !(question.code in given) && !problems.some((p) => p.code === question.code)) {
      problems.push({ code: question.code, message: t("needed"), level: "error" });
    }
  }
  const shown = problems.filter((p) => applies.has(p.code));
  for (const { check, expression } of checks) {
    const outcome = expression.evaluateExact(env);
    if (outcome === Logic.UNKNOWN || truthy(outcome)) continue;
    // Shown at the last question the check reads (where the observer finished typing), with the answers it read.
    const named = questions.filter((q) => expression.names.includes(q.code) && applies.has(q.code));
    const values = named.filter((q) => q.code in env).map((q) => `${q.code} = ${env[q.code]}`).join(", ");
    shown.push({
      code: named.length ? named[named.length - 1].code : null,
      involves: named.map((q) => q.code),
      message: formText(check.message, form.spec.languages),
      values,
      level: check.level === "warning" ? "warning" : "error",
    });
  }
  const answers = {};
  for (const code of applies) if (code in given) answers[code] = given[code];
  // The server rejects a report with no usable answer at all.
  if (!Object.keys(answers).length && !shown.some((p) => p.level === "error")) {
    shown.push({ code: null, message: t("empty"), level: "error" });
  }
  return { applies, answers, problems: shown };
}

function showRelevance(element, reading) {
  for (const wrap of element.querySelectorAll(".question")) {
    wrap.classList.toggle("hidden-by-skip", !reading.applies.has(wrap.dataset.code));
  }
}

function showProblems(element, reading, summaryKey) {
  for (const old of element.querySelectorAll(".problem")) old.remove();
  for (const wrap of element.querySelectorAll(".question")) {
    wrap.classList.remove("has-error", "has-warning", "involved");
  }
  const summary = element.querySelector(".form-problems");
  summary.replaceChildren();
  summary.hidden = true;
  for (const problem of reading.problems) {
    const note = document.createElement("p");
    note.className = `problem problem-${problem.level}`;
    note.textContent = problem.message;
    if (problem.values) {
      // Codes and numbers read left to right, in a right-to-left sentence too.
      const detail = document.createElement("span");
      detail.className = "small";
      const [before, after] = t("entered").split("{values}");
      const values = document.createElement("bdi");
      values.dir = "ltr";
      values.textContent = problem.values;
      detail.append(before, values, after || "");
      note.append(document.createElement("br"), detail);
    }
    const wrap = problem.code && element.querySelector(`.question[data-code="${problem.code}"]`);
    for (const code of problem.involves || []) {
      const involved = element.querySelector(`.question[data-code="${code}"]`);
      if (involved) involved.classList.add("involved");
    }
    if (wrap) {
      wrap.classList.add(problem.level === "error" ? "has-error" : "has-warning");
      wrap.append(note);
    } else {
      summary.append(note);
    }
  }
  if (summaryKey) {
    const head = document.createElement("p");
    head.className = "problem-summary";
    head.textContent = t(summaryKey);
    summary.prepend(head);
  }
  summary.hidden = !summary.childElementCount;
}

function renderForm(form, deployment) {
  show("fill");
  document.getElementById("back").textContent = t("back");
  document.getElementById("form-title").textContent = label(form.spec.name) || form.name;
  document.getElementById("form-station").textContent = `${deployment.station} · ${deployment.name}`;
  const element = document.getElementById("form");
  element.replaceChildren();
  element.noValidate = true;  // our messages, in the observer's language, instead of the browser's bubbles
  for (const group of form.spec.groups || [{ questions: form.spec.questions || [] }]) {
    const fieldset = document.createElement("fieldset");
    if (group.label) {
      const legend = document.createElement("legend");
      legend.textContent = label(group.label);
      fieldset.append(legend);
    }
    for (const question of group.questions || []) fieldset.append(questionInput(question));
    element.append(fieldset);
  }
  const summary = document.createElement("div");
  summary.className = "form-problems";
  summary.setAttribute("role", "alert");
  summary.hidden = true;
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = t("submit");
  element.append(summary, submit);
  let tried = false;          // after the first try, problems follow every change
  let warnedFor = null;       // the answers whose warnings the observer has seen
  const refresh = () => {
    const reading = evaluateForm(element, form);
    showRelevance(element, reading);
    const key = JSON.stringify(reading.answers);
    if (tried) {
      const empty = !Object.keys(reading.answers).length;
      showProblems(element, reading, empty ? "fix" : reading.problems.length ? "confirm" : null);
    }
    submit.textContent = warnedFor === key ? t("anyway") : t("submit");
    return reading;
  };
  element.oninput = refresh;
  element.onchange = refresh;
  refresh();
  element.onsubmit = async (event) => {
    event.preventDefault();
    tried = true;
    const reading = evaluateForm(element, form);
    showRelevance(element, reading);
    const key = JSON.stringify(reading.answers);
    // Nothing to send at all is refused by the server: that alone blocks. Every other
    // problem is shown once and the report goes if the observer confirms it: a protocol
    // whose figures really do not add up is evidence, and the server keeps it as partial
    // with the problems flagged. An observer is never silenced by the app's checks.
    const empty = !Object.keys(reading.answers).length;
    const unseen = reading.problems.length && warnedFor !== key;
    if (empty || unseen) {
      if (!empty) warnedFor = key;
      showProblems(element, reading, empty ? "fix" : "confirm");
      submit.textContent = empty ? t("submit") : t("anyway");
      const first = element.querySelector(".has-error, .has-warning") || element.querySelector(".form-problems");
      if (first) first.scrollIntoView({ block: "center" });
      return;
    }
    const answers = await collect(reading.answers);
    await putReport({
      client_uuid: crypto.randomUUID(), form: form.code, station: deployment.station, answers,
      observed_at: new Date().toISOString(), created: new Date().toISOString(), status: "queued",
    });
    await renderHome();
    sync();
  };
}

// The answers to send: only questions that apply (the server drops the others with a warning).
async function collect(given) {
  const answers = {};
  for (const [code, value] of Object.entries(given)) {
    answers[code] = value instanceof File ? await asDataUrl(value) : value;
  }
  return answers;
}

function asDataUrl(file) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsDataURL(file);
  });
}

let syncing = false;
let notBefore = 0;  // the server asked us to wait (429 Retry-After) until this time
async function sync() {
  if (syncing || !token() || Date.now() < notBefore) return;
  syncing = true;
  try {
    for (const report of await allReports()) {
      if (report.status !== "queued" && report.status !== "sent") continue;
      report.status = "sent";
      await putReport(report);
      let response;
      try {
        response = await fetch(API + "submissions", {
          method: "POST", headers: headers(),
          body: JSON.stringify({ client_uuid: report.client_uuid, form: report.form, station: report.station,
                                 answers: report.answers, observed_at: report.observed_at }),
        });
      } catch (error) {
        report.status = "queued";  // offline: keep it for the next try
        await putReport(report);
        break;
      }
      if (response.status >= 500) { report.status = "queued"; await putReport(report); break; }
      if (response.status === 429) {
        // Over this sign-in's quota: keep the report and everything behind it, wait as told.
        const seconds = Number(response.headers.get("Retry-After")) || 60;
        notBefore = Date.now() + seconds * 1000;
        report.status = "queued";
        await putReport(report);
        setTimeout(sync, seconds * 1000 + 500);
        break;
      }
      const result = await response.json().catch(() => ({}));
      report.status = response.ok ? (result.status === "partial" ? "partial" : "accepted") : "rejected";
      report.reason = (result.problems || []).map((p) => `${p.code || ""} ${p.message}`.trim()).join("; ") || result.error || "";
      await putReport(report);
    }
  } finally {
    syncing = false;
    if (!document.getElementById("home").hidden) renderQueue();
  }
}

// Shows the home screen from the `me` kept on the phone at once, then asks the
// server in the background and shows the answer only if it changed; the first
// open (nothing kept) shows home as soon as `me` arrives.
async function start() {
  addUpdateTexts();
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("t");
  if (fromLink) {
    if (fromLink !== token()) localStorage.removeItem("pollwatch-me");
    localStorage.setItem("pollwatch-token", fromLink);
    history.replaceState(null, "", location.pathname);
  }
  if (!start.once) {
    start.once = true;
    window.addEventListener("online", () => { showNet(); sync(); });
    window.addEventListener("offline", showNet);
    document.getElementById("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const typed = new FormData(event.target).get("token").trim();
      if (typed !== token()) localStorage.removeItem("pollwatch-me");
      localStorage.setItem("pollwatch-token", typed);
      start();
    });
    document.getElementById("back").addEventListener("click", renderHome);
    document.getElementById("sync").addEventListener("click", sync);
  }
  showNet();
  if (!token()) { show("signin"); registerWorker(); return; }
  const kept = keptMe();
  if (kept) await showMe(kept.data);
  const fresh = await loadMe();
  if (!fresh) { me = null; show("signin"); registerWorker(); return; }
  if (!kept || JSON.stringify(fresh) !== JSON.stringify(kept.data)) await showMe(fresh);
  // After `me`: on a slow line the worker's download of the shell must not delay it.
  registerWorker();
  sync();
  if (!start.polling) start.polling = setInterval(sync, 30000);
}

start();

// The `me` kept by the last start: {etag, data} (or the bare data an older app kept).
function keptMe() {
  try {
    const kept = JSON.parse(localStorage.getItem("pollwatch-me"));
    if (!kept || typeof kept !== "object") return null;
    return "data" in kept ? kept : { etag: null, data: kept };
  } catch (error) { return null; }
}

// Takes `data` as the observer's `me`; the home screen is drawn again unless a
// form is being filled (its answers must not be lost; `back` shows the new home).
async function showMe(data) {
  me = data;
  lang = TEXTS[me.observer.language] ? me.observer.language : "en";
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ur" ? "rtl" : "ltr";
  document.getElementById("who").textContent = `${me.observer.name} (${me.observer.code})`;
  if (document.getElementById("fill").hidden) await renderHome();
}

// The service worker, and the prompt when it has a new version of the app ready.
function registerWorker() {
  if (!("serviceWorker" in navigator) || registerWorker.done) return;
  registerWorker.done = true;
  navigator.serviceWorker.register(app.dataset.sw, { scope: "/o/" }).then((registration) => {
    // A worker waiting already: the app was updated in the background and not restarted since.
    if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const incoming = registration.installing;
      if (!incoming) return;
      incoming.addEventListener("statechange", () => {
        // With no controller this is the first install, not an update.
        if (incoming.state === "installed" && navigator.serviceWorker.controller) offerUpdate(incoming);
      });
    });
  }).catch(() => {});
}

function offerUpdate(worker) {
  const bar = document.getElementById("update");
  if (!bar) return;
  bar.querySelector("span").textContent = t("updateReady");
  const button = bar.querySelector("button");
  button.textContent = t("reload");
  button.onclick = () => {
    button.disabled = true;
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload());
    worker.postMessage("skip-waiting");
  };
  bar.hidden = false;
}

// The update prompt's words, beside the app's others in TEXTS.
function addUpdateTexts() {
  const words = {
    en: { updateReady: "A new version of the app is ready.", reload: "Reload" },
    az: { updateReady: "Tətbiqin yeni versiyası hazırdır.", reload: "Yenidən yüklə" },
    ru: { updateReady: "Готова новая версия приложения.", reload: "Перезагрузить" },
    ur: { updateReady: "ایپ کا نیا ورژن تیار ہے۔", reload: "دوبارہ لوڈ کریں" },
  };
  for (const [code, texts] of Object.entries(words)) if (TEXTS[code]) Object.assign(TEXTS[code], texts);
}
