// The observer app: works offline. Reports wait in an IndexedDB queue and are sent
// when the network is back; each carries a UUID made here, so a retry never
// creates a second report on the server.
"use strict";

const app = document.getElementById("app");
const API = app.dataset.api;
const DB_NAME = "pollwatch-observer";
const TEXTS = {
  en: { stations: "My stations", reports: "My reports", send: "Send now", submit: "Save and send", online: "online", offline: "offline — reports wait here", queued: "waiting to be sent", sent: "sending", accepted: "accepted", partial: "accepted with problems", rejected: "rejected", duplicate: "accepted", reserve: "reserve", back: "← back", required: "required" },
  az: { stations: "Məntəqələrim", reports: "Hesabatlarım", send: "İndi göndər", submit: "Yadda saxla və göndər", online: "onlayn", offline: "oflayn — hesabatlar burada gözləyir", queued: "göndərilməyi gözləyir", sent: "göndərilir", accepted: "qəbul edildi", partial: "problemlərlə qəbul edildi", rejected: "rədd edildi", duplicate: "qəbul edildi", reserve: "ehtiyat", back: "← geri", required: "mütləqdir" },
  ru: { stations: "Мои участки", reports: "Мои отчёты", send: "Отправить сейчас", submit: "Сохранить и отправить", online: "в сети", offline: "нет сети — отчёты ждут здесь", queued: "ждёт отправки", sent: "отправляется", accepted: "принят", partial: "принят с замечаниями", rejected: "отклонён", duplicate: "принят", reserve: "резерв", back: "← назад", required: "обязательно" },
  ur: { stations: "میرے پولنگ اسٹیشن", reports: "میری رپورٹیں", send: "ابھی بھیجیں", submit: "محفوظ کریں اور بھیجیں", online: "آن لائن", offline: "آف لائن — رپورٹیں یہاں انتظار کر رہی ہیں", queued: "بھیجنے کے انتظار میں", sent: "بھیجی جا رہی ہے", accepted: "قبول", partial: "مسائل کے ساتھ قبول", rejected: "مسترد", duplicate: "قبول", reserve: "ریزرو", back: "← واپس", required: "لازمی" },
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

async function loadMe() {
  try {
    const response = await fetch(API + "me", { headers: headers() });
    if (response.status === 401) { localStorage.removeItem("pollwatch-token"); return null; }
    if (response.ok) {
      const data = await response.json();
      localStorage.setItem("pollwatch-me", JSON.stringify(data));
      return data;
    }
  } catch (error) { /* offline: fall back to what we saw last time */ }
  const cached = localStorage.getItem("pollwatch-me");
  return cached ? JSON.parse(cached) : null;
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

function renderForm(form, deployment) {
  show("fill");
  document.getElementById("back").textContent = t("back");
  document.getElementById("form-title").textContent = label(form.spec.name) || form.name;
  document.getElementById("form-station").textContent = `${deployment.station} · ${deployment.name}`;
  const element = document.getElementById("form");
  element.replaceChildren();
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
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = t("submit");
  element.append(submit);
  element.onsubmit = async (event) => {
    event.preventDefault();
    const answers = await collect(element, form);
    await putReport({
      client_uuid: crypto.randomUUID(), form: form.code, station: deployment.station, answers,
      observed_at: new Date().toISOString(), created: new Date().toISOString(), status: "queued",
    });
    await renderHome();
    sync();
  };
}

async function collect(element, form) {
  const answers = {};
  const data = new FormData(element);
  const questions = (form.spec.groups || []).flatMap((g) => g.questions || []).concat(form.spec.questions || []);
  for (const question of questions) {
    const values = data.getAll(question.code).filter((v) => v !== "" && !(v instanceof File && !v.size));
    if (!values.length) continue;
    if (question.kind === "multiple") answers[question.code] = values;
    else if (question.kind === "integer" || question.kind === "yes_no") answers[question.code] = Number(values[0]);
    else if (question.kind === "photo") answers[question.code] = await asDataUrl(values[0]);
    else answers[question.code] = values[0];
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

async function start() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("t");
  if (fromLink) {
    localStorage.setItem("pollwatch-token", fromLink);
    history.replaceState(null, "", location.pathname);
  }
  window.addEventListener("online", () => { showNet(); sync(); });
  window.addEventListener("offline", showNet);
  showNet();
  document.getElementById("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem("pollwatch-token", new FormData(event.target).get("token").trim());
    start();
  });
  document.getElementById("back").addEventListener("click", renderHome);
  document.getElementById("sync").addEventListener("click", sync);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(app.dataset.sw, { scope: "/o/" }).catch(() => {});
  if (!token()) { show("signin"); return; }
  me = await loadMe();
  if (!me) { show("signin"); return; }
  lang = TEXTS[me.observer.language] ? me.observer.language : "en";
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ur" ? "rtl" : "ltr";
  document.getElementById("who").textContent = `${me.observer.name} (${me.observer.code})`;
  await renderHome();
  sync();
  setInterval(sync, 30000);
}

start();
