// The observer app: works offline. Reports wait in an IndexedDB queue and are sent
// when the network is back; each carries a UUID made here, so a retry never
// creates a second report on the server. A form being filled is kept as a draft
// on the phone (another IndexedDB database) until the observer sends it; a sent
// report can be opened again and corrected (a new report that names the first).
"use strict";

const app = document.getElementById("app");
const API = app.dataset.api;
const DB_NAME = "pollwatch-observer";
const DRAFTS_DB = "pollwatch-drafts";
const TEXTS = {
  en: {
    stations: "My stations", reports: "My reports", send: "Send now", submit: "Save and send", online: "online", offline: "offline — reports wait here",
    queued: "waiting to be sent", sent: "sending", received: "received, being checked", accepted: "accepted", partial: "accepted with problems", rejected: "rejected", duplicate: "accepted", verified: "verified", quarantined: "under review",
    reserve: "reserve", back: "back", required: "required",
    needed: "Please answer this question.", whole: "Enter a whole number.", below: "The answer cannot be less than {n}.", above: "The answer cannot be more than {n}.", long: "The text is too long (at most {n} characters).",
    empty: "Answer at least one question before sending.", fix: "Please correct the marked answers; nothing has been sent.", confirm: "Please check the marked answers. If they are right, send anyway.", anyway: "Send anyway", entered: "Entered: {values}",
    phase_opening: "Opening", phase_voting: "Voting", phase_closing: "Closing", phase_counting: "Counting", phase_any: "At any time",
    mark_done: "done", mark_queued: "waiting to be sent", mark_received: "sent, being checked", mark_rejected: "rejected", mark_draft: "draft",
    waiting: "{n} waiting", drafts: "Drafts on this phone", draft_restored: "Your draft from {time} is back.", discard: "Discard the draft", draft_saved: "Draft saved on this phone",
    correcting: "Correcting the report sent at {time}. Change what was wrong and send the correction.", send_fix: "Send the correction", correction: "correction", corrected: "corrected later",
    resend: "This report was rejected. Correct it and send it again.", view_only: "This report has not reached the server yet; it can be corrected once it has.", open: "Open",
    gps: "Add my location to this report", gps_wait: "Finding your location…", gps_found: "Location found (within {n} m).", gps_none: "No location; the report is sent without it.",
    decimal: "Enter a number such as 12.5 (at most 6 decimals).", date_bad: "Enter a date.", time_bad: "Enter a time (hours and minutes).", geo_use: "Use my location", geo_lat: "Latitude", geo_lon: "Longitude", geo_bad: "Enter latitude (-90 to 90) and longitude (-180 to 180) in degrees, such as 40.4093.", geo_manual: "Typed in",
    photo_kept: "Photo attached", photo_remove: "Remove the photo", photo_busy: "Preparing the photo…",
    yesno: "Answer yes or no.", option: "Choose one of the options.", photo_bad: "The photo could not be read; please take it again.", photo_large: "The photo is too large (at most {n} MB).",
    dropped: "This answer does not apply and was not kept.", unknown_question: "This question is not in the form any more.", not_your_station: "This station is not one of yours.", unknown_form: "This form is no longer in use.",
    server_error: "The server could not check this report; your coordinator has it.", refused: "The server did not accept this report:", check: "Check",
  },
  az: {
    stations: "Məntəqələrim", reports: "Hesabatlarım", send: "İndi göndər", submit: "Yadda saxla və göndər", online: "onlayn", offline: "oflayn — hesabatlar burada gözləyir",
    queued: "göndərilməyi gözləyir", sent: "göndərilir", received: "alındı, yoxlanılır", accepted: "qəbul edildi", partial: "problemlərlə qəbul edildi", rejected: "rədd edildi", duplicate: "qəbul edildi", verified: "təsdiqləndi", quarantined: "yoxlamadadır",
    reserve: "ehtiyat", back: "geri", required: "mütləqdir",
    needed: "Bu suala cavab verin.", whole: "Tam ədəd daxil edin.", below: "Cavab ən azı {n} olmalıdır.", above: "Cavab ən çoxu {n} ola bilər.", long: "Mətn çox uzundur (ən çoxu {n} simvol).",
    empty: "Göndərməzdən əvvəl ən azı bir suala cavab verin.", fix: "İşarələnmiş cavabları düzəldin; heç nə göndərilməyib.", confirm: "İşarələnmiş cavabları yoxlayın. Düzdürsə, yenə də göndərin.", anyway: "Yenə də göndər", entered: "Daxil edilib: {values}",
    phase_opening: "Açılış", phase_voting: "Səsvermə", phase_closing: "Bağlanış", phase_counting: "Səslərin sayılması", phase_any: "İstənilən vaxt",
    mark_done: "hazırdır", mark_queued: "göndərilməyi gözləyir", mark_received: "göndərildi, yoxlanılır", mark_rejected: "rədd edildi", mark_draft: "qaralama",
    waiting: "{n} gözləyir", drafts: "Telefondakı qaralamalar", draft_restored: "Saat {time} qaralamanız bərpa olundu.", discard: "Qaralamanı sil", draft_saved: "Qaralama telefonda saxlanıldı",
    correcting: "Saat {time} göndərilmiş hesabat düzəldilir. Səhv olanı dəyişin və düzəlişi göndərin.", send_fix: "Düzəlişi göndər", correction: "düzəliş", corrected: "sonra düzəldilib",
    resend: "Bu hesabat rədd edilib. Düzəldin və yenidən göndərin.", view_only: "Bu hesabat hələ serverə çatmayıb; çatdıqdan sonra düzəldilə bilər.", open: "Aç",
    gps: "Yerimi bu hesabata əlavə et", gps_wait: "Yeriniz müəyyənləşdirilir…", gps_found: "Yer tapıldı ({n} m dəqiqliklə).", gps_none: "Yer tapılmadı; hesabat onsuz göndəriləcək.",
    decimal: "12.5 kimi ədəd daxil edin (ən çoxu 6 onluq rəqəm).", date_bad: "Tarix daxil edin.", time_bad: "Vaxtı daxil edin (saat və dəqiqə).", geo_use: "Yerimi götür", geo_lat: "En dairəsi", geo_lon: "Uzunluq dairəsi", geo_bad: "En dairəsini (-90 ilə 90) və uzunluq dairəsini (-180 ilə 180) dərəcə ilə daxil edin, məsələn 40.4093.", geo_manual: "Əl ilə yazılıb",
    photo_kept: "Şəkil əlavə edilib", photo_remove: "Şəkli sil", photo_busy: "Şəkil hazırlanır…",
    yesno: "Bəli və ya xeyr cavabı verin.", option: "Variantlardan birini seçin.", photo_bad: "Şəkil oxunmadı; yenidən çəkin.", photo_large: "Şəkil çox böyükdür (ən çoxu {n} MB).",
    dropped: "Bu cavab aid deyil və saxlanılmadı.", unknown_question: "Bu sual artıq formada yoxdur.", not_your_station: "Bu məntəqə sizin deyil.", unknown_form: "Bu forma artıq istifadə olunmur.",
    server_error: "Server bu hesabatı yoxlaya bilmədi; koordinatorunuzda var.", refused: "Server bu hesabatı qəbul etmədi:", check: "Yoxlama",
  },
  ru: {
    stations: "Мои участки", reports: "Мои отчёты", send: "Отправить сейчас", submit: "Сохранить и отправить", online: "в сети", offline: "нет сети — отчёты ждут здесь",
    queued: "ждёт отправки", sent: "отправляется", received: "получен, проверяется", accepted: "принят", partial: "принят с замечаниями", rejected: "отклонён", duplicate: "принят", verified: "подтверждён", quarantined: "на проверке",
    reserve: "резерв", back: "назад", required: "обязательно",
    needed: "Ответьте на этот вопрос.", whole: "Введите целое число.", below: "Ответ должен быть не меньше {n}.", above: "Ответ должен быть не больше {n}.", long: "Текст слишком длинный (не более {n} символов).",
    empty: "Перед отправкой ответьте хотя бы на один вопрос.", fix: "Исправьте отмеченные ответы; ничего не отправлено.", confirm: "Проверьте отмеченные ответы. Если они верны, отправьте всё равно.", anyway: "Всё равно отправить", entered: "Введено: {values}",
    phase_opening: "Открытие", phase_voting: "Голосование", phase_closing: "Закрытие", phase_counting: "Подсчёт голосов", phase_any: "В любое время",
    mark_done: "готово", mark_queued: "ждёт отправки", mark_received: "отправлен, проверяется", mark_rejected: "отклонён", mark_draft: "черновик",
    waiting: "ждут: {n}", drafts: "Черновики на этом телефоне", draft_restored: "Ваш черновик от {time} восстановлен.", discard: "Удалить черновик", draft_saved: "Черновик сохранён на телефоне",
    correcting: "Исправление отчёта, отправленного в {time}. Измените неверное и отправьте исправление.", send_fix: "Отправить исправление", correction: "исправление", corrected: "исправлен позже",
    resend: "Этот отчёт отклонён. Исправьте его и отправьте снова.", view_only: "Этот отчёт ещё не дошёл до сервера; исправить его можно будет после.", open: "Открыть",
    gps: "Добавить моё местоположение к отчёту", gps_wait: "Определяем местоположение…", gps_found: "Местоположение найдено (точность {n} м).", gps_none: "Местоположение не найдено; отчёт уйдёт без него.",
    decimal: "Введите число, например 12.5 (не более 6 знаков после точки).", date_bad: "Введите дату.", time_bad: "Введите время (часы и минуты).", geo_use: "Взять моё местоположение", geo_lat: "Широта", geo_lon: "Долгота", geo_bad: "Введите широту (от -90 до 90) и долготу (от -180 до 180) в градусах, например 40.4093.", geo_manual: "Введено вручную",
    photo_kept: "Фото приложено", photo_remove: "Убрать фото", photo_busy: "Готовим фото…",
    yesno: "Ответьте «да» или «нет».", option: "Выберите один из вариантов.", photo_bad: "Фото не читается; сфотографируйте ещё раз.", photo_large: "Фото слишком большое (не более {n} МБ).",
    dropped: "Этот ответ не относится к делу и не сохранён.", unknown_question: "Этого вопроса больше нет в форме.", not_your_station: "Это не ваш участок.", unknown_form: "Эта форма больше не используется.",
    server_error: "Сервер не смог проверить отчёт; он есть у координатора.", refused: "Сервер не принял отчёт:", check: "Проверка",
  },
  ur: {
    stations: "میرے پولنگ اسٹیشن", reports: "میری رپورٹیں", send: "ابھی بھیجیں", submit: "محفوظ کریں اور بھیجیں", online: "آن لائن", offline: "آف لائن — رپورٹیں یہاں انتظار کر رہی ہیں",
    queued: "بھیجنے کے انتظار میں", sent: "بھیجی جا رہی ہے", received: "موصول، جانچ جاری ہے", accepted: "قبول", partial: "مسائل کے ساتھ قبول", rejected: "مسترد", duplicate: "قبول", verified: "تصدیق شدہ", quarantined: "زیرِ جائزہ",
    reserve: "ریزرو", back: "واپس", required: "لازمی",
    needed: "براہِ کرم اس سوال کا جواب دیں۔", whole: "براہِ کرم مکمل عدد درج کریں۔", below: "جواب {n} سے کم نہیں ہو سکتا۔", above: "جواب {n} سے زیادہ نہیں ہو سکتا۔", long: "متن بہت لمبا ہے (زیادہ سے زیادہ {n} حروف)۔",
    empty: "بھیجنے سے پہلے کم از کم ایک سوال کا جواب دیں۔", fix: "نشان زدہ جوابات درست کریں؛ ابھی کچھ نہیں بھیجا گیا۔", confirm: "نشان زدہ جوابات دیکھ لیں۔ اگر درست ہیں تو پھر بھی بھیج دیں۔", anyway: "پھر بھی بھیجیں", entered: "درج کردہ: {values}",
    phase_opening: "افتتاح", phase_voting: "ووٹنگ", phase_closing: "اختتام", phase_counting: "گنتی", phase_any: "کسی بھی وقت",
    mark_done: "مکمل", mark_queued: "بھیجنے کے انتظار میں", mark_received: "بھیج دی گئی، جانچ جاری", mark_rejected: "مسترد", mark_draft: "مسودہ",
    waiting: "{n} انتظار میں", drafts: "اس فون پر مسودے", draft_restored: "آپ کا {time} کا مسودہ واپس آ گیا ہے۔", discard: "مسودہ حذف کریں", draft_saved: "مسودہ فون پر محفوظ ہو گیا",
    correcting: "{time} پر بھیجی گئی رپورٹ کی درستی۔ جو غلط تھا اسے بدلیں اور درستی بھیجیں۔", send_fix: "درستی بھیجیں", correction: "درستی", corrected: "بعد میں درست کی گئی",
    resend: "یہ رپورٹ مسترد ہو گئی۔ اسے درست کر کے دوبارہ بھیجیں۔", view_only: "یہ رپورٹ ابھی سرور تک نہیں پہنچی؛ پہنچنے کے بعد درست کی جا سکتی ہے۔", open: "کھولیں",
    gps: "اس رپورٹ کے ساتھ میرا مقام شامل کریں", gps_wait: "آپ کا مقام معلوم کیا جا رہا ہے…", gps_found: "مقام مل گیا ({n} میٹر کے اندر)۔", gps_none: "مقام نہیں ملا؛ رپورٹ اس کے بغیر بھیجی جائے گی۔",
    decimal: "12.5 جیسا عدد درج کریں (زیادہ سے زیادہ 6 اعشاری ہندسے)۔", date_bad: "تاریخ درج کریں۔", time_bad: "وقت درج کریں (گھنٹے اور منٹ)۔", geo_use: "میرا مقام استعمال کریں", geo_lat: "عرض البلد", geo_lon: "طول البلد", geo_bad: "عرض البلد (-90 سے 90) اور طول البلد (-180 سے 180) ڈگری میں درج کریں، جیسے 40.4093۔", geo_manual: "ہاتھ سے درج کیا گیا",
    photo_kept: "تصویر منسلک ہے", photo_remove: "تصویر ہٹائیں", photo_busy: "تصویر تیار ہو رہی ہے…",
    yesno: "ہاں یا نہیں میں جواب دیں۔", option: "دیے گئے اختیارات میں سے ایک چنیں۔", photo_bad: "تصویر پڑھی نہیں جا سکی؛ دوبارہ کھینچیں۔", photo_large: "تصویر بہت بڑی ہے (زیادہ سے زیادہ {n} MB)۔",
    dropped: "یہ جواب متعلقہ نہیں تھا اور محفوظ نہیں کیا گیا۔", unknown_question: "یہ سوال اب فارم میں نہیں ہے۔", not_your_station: "یہ اسٹیشن آپ کا نہیں ہے۔", unknown_form: "یہ فارم اب استعمال میں نہیں ہے۔",
    server_error: "سرور اس رپورٹ کو جانچ نہیں سکا؛ یہ آپ کے کوآرڈینیٹر کے پاس ہے۔", refused: "سرور نے یہ رپورٹ قبول نہیں کی:", check: "جانچ",
  },
};
// Written right to left (the app's own texts exist in Urdu; a form may be in any of these).
const RTL_LANGUAGES = new Set(["ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"]);
let me = null;
let lang = "en";
const t = (key) => (TEXTS[lang] || TEXTS.en)[key] || TEXTS.en[key] || key;
const tf = (key, values) => Object.entries(values).reduce((text, [name, value]) => text.replace(`{${name}}`, value), t(key));
const label = (text) => (text && typeof text === "object" ? text[lang] || text.en || Object.values(text)[0] : text || "");

// Two IndexedDB databases: the outbox ("queue", reports as sent and their status) and the
// drafts (what is being filled, never sent). Separate, so a draft can never enter the queue.
function openDb(name = DB_NAME, storeName = "queue", keyPath = "client_uuid") {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(storeName, { keyPath });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function store(mode, fn, name = DB_NAME, storeName = "queue", keyPath = "client_uuid") {
  const db = await openDb(name, storeName, keyPath);
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const result = fn(tx.objectStore(storeName));
    tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : undefined); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}
const allReports = () => store("readonly", (s) => s.getAll());
const putReport = (report) => store("readwrite", (s) => s.put(report));
const drafts = (mode, fn) => store(mode, fn, DRAFTS_DB, "drafts", "key");
const allDrafts = () => drafts("readonly", (s) => s.getAll());
const getDraft = (key) => drafts("readonly", (s) => s.get(key));
const putDraft = (draft) => drafts("readwrite", (s) => s.put(draft));
const dropDraft = (key) => drafts("readwrite", (s) => s.delete(key));

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

function bdi(text, className) {
  // Isolated from its neighbours: a code read left to right, a name in any script and a
  // marker never reorder into each other in a right-to-left line.
  const element = document.createElement("bdi");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

// A station as "code · name", each part isolated (a Latin code beside an Urdu name).
function stationLine(deployment) {
  const parts = [bdi(deployment.station, "station-code")];
  if (deployment.name) parts.push(" · ", bdi(deployment.name, "station-name"));
  return parts;
}

function textElement(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

const pad = (n) => String(n).padStart(2, "0");
function clock(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// Election-day order: the phases of formspec/spec.py (PHASES), forms of any phase
// (incidents) last under their own heading; within a phase checklists, then results.
const PHASES = ["opening", "voting", "closing", "counting", "any"];
const KINDS = ["checklist", "results", "exitpoll", "incident"];
const rank = (list, value) => (list.includes(value) ? list.indexOf(value) : list.length);
const phaseOf = (form) => (PHASES.includes(form.phase) ? form.phase : "any");
const electionDay = (a, b) =>
  rank(PHASES, phaseOf(a)) - rank(PHASES, phaseOf(b)) || rank(KINDS, a.kind) - rank(KINDS, b.kind) || a.code.localeCompare(b.code);

// What the reports of one form at one station add up to: something on its way first, then the best news.
const MARKS = {
  accepted: "done", partial: "done", duplicate: "done", verified: "done",
  queued: "queued", sent: "queued", received: "received", quarantined: "received", rejected: "rejected",
};
const MARK_ORDER = ["queued", "received", "done", "rejected"];
function markFor(reports) {
  const marks = new Set(reports.map((report) => MARKS[report.status]));
  return MARK_ORDER.find((mark) => marks.has(mark)) || null;
}
const WAITING = new Set(["queued", "sent"]);
const rootOf = (report) => report.corrects || report.client_uuid;
const draftKey = (station, formCode) => `new|${station}|${formCode}`;
const formFor = (code, election) => me.forms.find((f) => f.code === code && (!election || f.election === election));
const deploymentFor = (station) =>
  me.deployments.find((d) => d.station === station) || { station, name: "", election: null, reserve: false };
const formTitle = (form, code) => (form ? label(form.spec.name) || form.name : code);

let currentTab = "forms";
function showTab(tab) {
  currentTab = tab;
  for (const name of ["forms", "reports"]) {
    document.getElementById(`${name}-pane`).hidden = name !== tab;
    document.getElementById(`tab-${name}`).setAttribute("aria-selected", String(name === tab));
  }
}

async function renderHome() {
  await flushDraft();
  show("home");
  document.documentElement.dir = RTL_LANGUAGES.has(lang) ? "rtl" : "ltr";
  document.getElementById("home-title").textContent = t("stations");
  document.getElementById("tab-forms").textContent = t("stations");
  document.getElementById("tab-reports-text").textContent = t("reports");
  document.getElementById("queue-title").textContent = t("reports");
  document.getElementById("sync").textContent = t("send");
  document.getElementById("tab-forms").onclick = () => showTab("forms");
  document.getElementById("tab-reports").onclick = () => showTab("reports");
  showVerify();
  const [reports, kept] = await Promise.all([allReports(), allDrafts()]);
  const list = document.getElementById("deployments");
  // Drawn apart and put in place only when it changed: the list is drawn again after every
  // sync and poll, and a tap landing on a list being replaced would be lost.
  const fresh = document.createElement("ul");
  for (const deployment of me.deployments) {
    const item = document.createElement("li");
    item.className = "station";
    item.dataset.station = deployment.station;
    const title = document.createElement("h2");
    title.className = "station-title";
    title.append(...stationLine(deployment));
    if (deployment.reserve) title.append(" ", bdi(`(${t("reserve")})`, "reserve"));
    item.append(title);
    let phase = null;
    for (const form of me.forms.filter((f) => f.election === deployment.election).sort(electionDay)) {
      if (phaseOf(form) !== phase) {
        phase = phaseOf(form);
        const heading = textElement("h3", t(`phase_${phase}`), "phase");
        heading.dataset.phase = phase;
        item.append(heading);
      }
      const mine = reports.filter((r) => r.station === deployment.station && r.form === form.code);
      const drafted = kept.some((d) => d.key === draftKey(deployment.station, form.code));
      item.append(formButton(form, deployment, markFor(mine), drafted));
    }
    fresh.append(item);
  }
  if (fresh.innerHTML !== list.innerHTML) list.replaceChildren(...fresh.childNodes);
  renderQueue(reports, kept);
  showTab(currentTab);
}

function formButton(form, deployment, mark, drafted) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "form-button";
  button.dataset.form = form.code;
  button.dataset.station = deployment.station;
  button.dataset.mark = mark || "";
  const name = document.createElement("span");
  name.className = "form-name";
  name.append(bdi(form.code, "form-code"), " ", formTitle(form, form.code));
  const marks = document.createElement("span");
  marks.className = "marks";
  if (mark) marks.append(markChip(mark));
  if (drafted) marks.append(markChip("draft"));
  button.append(name, marks);
  // The form and the deployment as they are when tapped (a kept button may outlive a new `me`).
  button.addEventListener("click", () => {
    const current = me.deployments.find((d) => d.station === deployment.station) || deployment;
    renderForm(formFor(form.code, current.election) || form, current);
  });
  return button;
}

function markChip(mark) {
  return textElement("span", t(`mark_${mark}`), `mark mark-${mark}`);
}

function renderQueue(reports, kept) {
  reports = reports.slice().sort((a, b) => b.created.localeCompare(a.created));
  const corrected = new Set(reports.filter((r) => r.corrects).map((r) => r.corrects));
  const list = document.getElementById("queue");
  list.replaceChildren();
  for (const report of reports) {
    const deployment = deploymentFor(report.station);
    const form = formFor(report.form, deployment.election);
    const item = document.createElement("li");
    item.dataset.uuid = report.client_uuid;
    item.className = "report";
    const open = document.createElement("button");
    open.type = "button";
    open.className = "report-open";
    const what = document.createElement("span");
    what.className = "report-what";
    what.append(bdi(report.form, "form-code"), " ", formTitle(form, report.form), " · ", bdi(report.station), " · ", bdi(clock(report.created)));
    open.append(what, " ", textElement("span", t(report.status), "status status-" + report.status));
    if (report.corrects) open.append(" ", textElement("span", t("correction"), "tag"));
    if (corrected.has(report.client_uuid)) open.append(" ", textElement("span", t("corrected"), "tag"));
    open.addEventListener("click", () => openReport(report));
    item.append(open);
    const problems = readableProblems(report, form);
    if (problems.length) {
      const notes = document.createElement("ul");
      notes.className = "problems small";
      for (const problem of problems) notes.append(problemLine(problem));
      item.append(notes);
    }
    list.append(item);
  }
  const draftList = document.getElementById("drafts");
  draftList.replaceChildren();
  for (const draft of kept.slice().sort((a, b) => b.saved.localeCompare(a.saved))) {
    const deployment = deploymentFor(draft.station);
    const form = formFor(draft.form, deployment.election);
    if (!form) continue;
    const item = document.createElement("li");
    item.className = "draft";
    item.dataset.key = draft.key;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "report-open";
    const what = document.createElement("span");
    what.append(bdi(draft.form, "form-code"), " ", formTitle(form, draft.form), " · ", bdi(draft.station), " · ", bdi(clock(draft.saved)));
    open.append(what, " ", markChip("draft"));
    open.addEventListener("click", () => {
      const original = draft.root && reports.find((r) => r.client_uuid === draft.root);
      if (original) openReport(original);
      else renderForm(form, deployment);
    });
    item.append(open);
    draftList.append(item);
  }
  draftList.hidden = !draftList.childElementCount;
  const waiting = reports.filter((r) => WAITING.has(r.status)).length;
  document.getElementById("queue-summary").textContent = waiting ? tf("waiting", { n: waiting }) : "";
  const count = document.getElementById("reports-count");
  count.textContent = reports.length ? `${reports.length}` + (waiting ? ` · ${tf("waiting", { n: waiting })}` : "") : "";
  count.classList.toggle("has-waiting", waiting > 0);
}

function problemLine(problem) {
  const line = document.createElement("li");
  if (problem.label) line.append(bdi(problem.label, "problem-label"), ": ");
  line.append(problem.message);
  if (problem.values) {
    const [before, after] = t("entered").split("{values}");
    const values = bdi(problem.values);
    values.dir = "ltr";
    line.append(" (", before, values, after || "", ")");
  }
  return line;
}

// A sent report opens with its answers in the form. Once the server has it, the form
// sends a correction (a new report naming the first); a report refused outright is sent
// again as a new one; one still waiting to go is shown only.
function openReport(report) {
  allReports().then((reports) => {
    const root = rootOf(report);
    const versions = reports.filter((r) => rootOf(r) === root).sort((a, b) => a.created.localeCompare(b.created));
    const latest = versions[versions.length - 1] || report;
    const deployment = deploymentFor(report.station);
    const form = formFor(report.form, deployment.election);
    if (!form) return;
    let mode = "correct";
    if (WAITING.has(latest.status)) mode = "view";
    else if (latest.status === "rejected" && !latest.corrects) mode = "resend";
    renderForm(form, deployment, { mode, report: latest, root, original: versions[0] || report });
  });
}

// The server's problems (formspec/validate.py and the intake) as the app says them: the
// question's label and a sentence in the observer's language; a failed check by the
// form's own message. What the app does not recognise is shown as the server wrote it.
const SERVER_MESSAGES = [
  [/an answer is required/, () => t("needed")],
  [/is below the minimum (-?[\d.-]+)/, (m) => tf("below", { n: m[1] })],
  [/is above the maximum (-?[\d.-]+)/, (m) => tf("above", { n: m[1] })],
  [/is not a number|more than \d+ decimals/, () => t("decimal")],
  [/is not a date written|is not a day of the calendar/, () => t("date_bad")],
  [/is not a time written/, () => t("time_bad")],
  [/is not a location written|latitude .* is outside|longitude .* is outside|accuracy .* is below 0/, () => t("geo_bad")],
  [/is not a whole number/, () => t("whole")],
  [/is not yes \(1\) or no \(0\)/, () => t("yesno")],
  [/is not one of the options/, () => t("option")],
  [/is not offered with the answers given/, () => t("option")],
  [/text is longer than (\d+)/, (m) => tf("long", { n: m[1] })],
  [/photo is larger than (\d+) MB/, (m) => tf("photo_large", { n: m[1] })],
  [/photo must be|photo answer must be|not valid base64|is not a [A-Z]+ image/, () => t("photo_bad")],
  [/answer dropped; the question does not apply/, () => t("dropped")],
  [/no such question/, () => t("unknown_question")],
  [/is not one of your deployments/, () => t("not_your_station")],
  [/^unknown form/, () => t("unknown_form")],
  [/could not be validated/, () => t("server_error")],
];

function readable(problem, form) {
  const questions = form ? compiled(form).questions : [];
  const message = String((problem && problem.message) || "");
  if (problem.code === "CHECK" && form) {
    // validate.py writes "<expression>: <message> (<code>=<value>, ...)".
    const check = (form.spec.checks || []).find((c) => message.startsWith(`${c.expression}: `));
    if (check) {
      const involves = questions.filter((q) => new RegExp(`\\b${q.code}\\b`).test(check.expression)).map((q) => q.code);
      const values = ((message.match(/\(([^()]*)\)$/) || [])[1] || "").replace(/=/g, " = ");
      return {
        code: involves[involves.length - 1] || null, involves, label: "",
        message: formText(check.message, form.spec.languages), values,
        level: check.level === "warning" ? "warning" : "error",
      };
    }
  }
  const prefix = (message.match(/^([A-Za-z0-9_]+): /) || [])[1];
  const question = questions.find((q) => q.code === problem.code) || questions.find((q) => q.code === prefix);
  const rest = question && message.startsWith(`${question.code}: `) ? message.slice(question.code.length + 2) : message;
  const known = SERVER_MESSAGES.find(([pattern]) => pattern.test(rest));
  return {
    code: question ? question.code : null,
    label: question ? label(question.label) : "",
    message: known ? known[1](rest.match(known[0])) : rest,
    values: "", level: "error",
  };
}

function readableProblems(report, form) {
  const problems = (report.problems || []).map((problem) => readable(problem, form));
  if (!problems.length && report.reason) problems.push({ code: null, label: "", message: report.reason, values: "", level: "error" });
  return problems;
}

function questionInput(question, ctx) {
  const wrap = document.createElement("div");
  wrap.className = "question";
  wrap.dataset.code = question.code;
  wrap.dataset.kind = question.kind;
  const title = document.createElement("span");
  title.className = "q-title";
  const shown = bdi(label(question.label), "q-label");  // a label in another script keeps its own direction
  // An XLSForm label may show an answer: ${CODE} is filled in as the observer answers (showRelevance).
  if (shown.textContent.includes("${")) shown.dataset.template = shown.textContent;
  title.append(bdi(question.code, "q-code"), " ", shown);
  if (question.required) title.append(textElement("span", " *", "q-required"));
  wrap.append(title);
  const hint = label(question.hint);
  if (hint) {
    const shownHint = bdi(hint, "q-hint");
    if (hint.includes("${")) shownHint.dataset.template = hint;
    wrap.append(shownHint);
  }
  const name = question.code;
  if (question.kind === "yes_no" || question.kind === "single" || question.kind === "multiple") {
    const choices = document.createElement("div");
    choices.className = "choices choices-" + question.kind;
    const options = question.kind === "yes_no"
      ? [{ code: "1", label: { en: "Yes", az: "Bəli", ru: "Да", ur: "ہاں" } }, { code: "0", label: { en: "No", az: "Xeyr", ru: "Нет", ur: "نہیں" } }]
      : question.options || [];
    for (const option of options) {
      // The whole label is the target, at least 44 px high (see the CSS).
      const choice = document.createElement("label");
      choice.className = "choice";
      const input = document.createElement("input");
      input.type = question.kind === "multiple" ? "checkbox" : "radio";
      input.name = name;
      input.value = option.code;
      choice.dataset.option = option.code;
      // read_only (XLSForm): the default answer shows and cannot be changed.
      if (question.read_only) input.addEventListener("click", (event) => event.preventDefault());
      choice.append(input, textElement("span", label(option.label)));
      choices.append(choice);
    }
    wrap.append(choices);
  } else if (question.kind === "integer") {
    const input = document.createElement("input");
    input.type = "number"; input.inputMode = "numeric"; input.name = name; input.step = "1";
    if (question.minimum !== null && question.minimum !== undefined) input.min = question.minimum;
    if (question.maximum !== null && question.maximum !== undefined) input.max = question.maximum;
    input.readOnly = Boolean(question.read_only);
    wrap.append(input);
  } else if (question.kind === "decimal") {
    // Text, not type=number: a phone in a comma-decimal language must be able to type 12,5.
    const input = document.createElement("input");
    input.type = "text"; input.inputMode = "decimal"; input.name = name; input.autocomplete = "off";
    input.className = "decimal";
    input.readOnly = Boolean(question.read_only);
    wrap.append(input);
  } else if (question.kind === "date" || question.kind === "time") {
    const input = document.createElement("input");
    input.type = question.kind; input.name = name;
    if (question.kind === "time") input.step = "60";  // hours and minutes, as stored
    if (question.minimum !== null && question.minimum !== undefined) input.min = question.minimum;
    if (question.maximum !== null && question.maximum !== undefined) input.max = question.maximum;
    input.readOnly = Boolean(question.read_only);
    wrap.append(input);
  } else if (question.kind === "geopoint") {
    wrap.append(geopointInput(name, question, ctx));
  } else if (question.kind === "photo") {
    wrap.append(...photoInput(name, ctx));
  } else {
    const input = document.createElement("textarea");
    input.name = name;
    input.readOnly = Boolean(question.read_only);
    wrap.append(input);
  }
  return wrap;
}

// A location: "Use my location" fills latitude and longitude from the phone (and keeps
// its altitude and accuracy, shown); both can be typed too. Three named fields (CODE__lat,
// CODE__lon, CODE__acc) so that drafts keep them; evaluateForm joins them into the
// stored "lat lon alt acc" (validate.py), altitude 0 when unknown, as ODK Collect writes it.
function geopointInput(name, question, ctx) {
  const box = document.createElement("div");
  box.className = "geopoint";
  const field = (suffix, text) => {
    const wrap = document.createElement("label");
    wrap.className = "geo-field";
    const input = document.createElement("input");
    input.type = "text"; input.inputMode = "decimal"; input.name = `${name}__${suffix}`; input.autocomplete = "off";
    input.readOnly = Boolean(question.read_only);
    wrap.append(textElement("span", text, "small"), input);
    return [wrap, input];
  };
  const [latBox, lat] = field("lat", t("geo_lat"));
  const [lonBox, lon] = field("lon", t("geo_lon"));
  const extra = document.createElement("input");  // "alt acc" from the phone, cleared when typed over
  extra.type = "hidden"; extra.name = `${name}__acc`;
  const button = textElement("button", t("geo_use"), "geo-use");
  button.type = "button";
  button.hidden = Boolean(question.read_only);
  const state = textElement("p", "", "small geo-state");
  state.setAttribute("role", "status");
  const show = () => {
    const [, accuracy] = extra.value.split(" ");
    state.textContent = accuracy ? tf("gps_found", { n: accuracy }) : lat.value || lon.value ? t("geo_manual") : "";
  };
  for (const input of [lat, lon]) input.addEventListener("input", () => { extra.value = ""; show(); });
  button.addEventListener("click", () => {
    if (!("geolocation" in navigator)) { state.textContent = t("gps_none"); return; }
    state.textContent = t("gps_wait");
    navigator.geolocation.getCurrentPosition(
      (found) => {
        const round = (x) => String(Math.round(x * 1e6) / 1e6);
        lat.value = round(found.coords.latitude);
        lon.value = round(found.coords.longitude);
        extra.value = `${round(found.coords.altitude || 0)} ${Math.round(found.coords.accuracy)}`;
        show();
        ctx.changed();
      },
      () => { state.textContent = t("gps_none"); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
    );
  });
  ctx.views.push(show);  // a restored draft shows its accuracy again
  box.append(button, latBox, lonBox, extra, state);
  return box;
}

const DECIMAL = /^[+-]?(\d{1,15}(\.\d{0,6})?|\.\d{1,6})$/;  // validate._DECIMAL, at most MAX_DECIMALS
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d/;

// The stored location from the three fields, or null (nothing typed) or undefined (bad).
function geopointValue(data, code) {
  const lat = String(data.get(`${code}__lat`) || "").trim().replace(",", ".");
  const lon = String(data.get(`${code}__lon`) || "").trim().replace(",", ".");
  const extra = String(data.get(`${code}__acc`) || "").trim();
  if (!lat && !lon) return null;
  if (!DECIMAL.test(lat) || !DECIMAL.test(lon)) return undefined;
  if (Math.abs(Number(lat)) > 90 || Math.abs(Number(lon)) > 180) return undefined;
  return extra ? `${lat} ${lon} ${extra}` : `${lat} ${lon}`;
}

// A photo is made smaller on the phone (longest side PHOTO_MAX_SIDE, JPEG) as soon as it
// is chosen, kept as a data URL (in the draft too) and sent as one.
function photoInput(name, ctx) {
  const input = document.createElement("input");
  input.type = "file"; input.accept = "image/*"; input.capture = "environment"; input.name = name;
  const preview = document.createElement("div");
  preview.className = "photo-preview";
  const image = document.createElement("img");
  image.alt = "";
  const state = textElement("span", "", "small photo-state");
  const remove = textElement("button", t("photo_remove"), "photo-remove");
  remove.type = "button";
  preview.append(image, state, remove);
  const view = () => {
    const url = ctx.photos[name];
    preview.hidden = !url;
    image.hidden = !(url && url.startsWith("data:"));
    if (url && url.startsWith("data:")) image.src = url;
    state.textContent = url ? t("photo_kept") : "";
  };
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (!file) return;
    preview.hidden = false;
    state.textContent = t("photo_busy");
    const job = resizedPhoto(file)
      .then((url) => { ctx.photos[name] = url; input.value = ""; view(); ctx.changed(); })
      .finally(() => ctx.pending.delete(job));
    ctx.pending.add(job);
  });
  remove.addEventListener("click", () => { delete ctx.photos[name]; view(); ctx.changed(); });
  ctx.views.push(view);
  return [input, preview];
}

const PHOTO_MAX_SIDE = 1600;
const PHOTO_QUALITY = 0.8;
const PHOTO_TYPES = new Set(["image/jpeg", "image/png", "image/webp", "image/heic"]);  // intake.PHOTO_TYPES

async function resizedPhoto(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch (error) {
    return asDataUrl(file);  // a format this browser cannot draw (HEIC): sent as taken, the server judges it
  }
  const side = Math.max(bitmap.width, bitmap.height);
  if (side <= PHOTO_MAX_SIDE && PHOTO_TYPES.has(file.type)) {
    bitmap.close();
    return asDataUrl(file);  // small enough already: the original, untouched
  }
  const scale = Math.min(1, PHOTO_MAX_SIDE / side);
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/jpeg", PHOTO_QUALITY);
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
    requiredIf: new Map(questions.map((q) => [q.code, compile(q.required_if)])),
    // A choice offered only while its condition holds (an XLSForm choice_filter).
    offeredIf: new Map(questions.map((q) => [q.code, (q.options || [])
      .filter((option) => option.relevant !== null && option.relevant !== undefined)
      .map((option) => ({ code: option.code, expression: compile(option.relevant) }))
      .filter((entry) => entry.expression)])),
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
  // A staff preview has no observer (me is null): the language the preview shows.
  if (!text || typeof text !== "object") return text || "";
  const wanted = me && me.observer ? me.observer.language : lang;
  return text[wanted] || text[(formLanguages || [])[0]] || Object.values(text)[0] || "";
}

// One reading of the form as it stands: which questions apply, the answers to send,
// and the problems, each {code, message, level: "error" | "warning"}. Photos are read
// from `photos` (code -> data URL, made smaller when chosen), not from the file inputs.
function evaluateForm(element, form, photos = {}) {
  const { questions, relevant, requiredIf, offeredIf, checks } = compiled(form);
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
    if (question.kind === "geopoint") {
      const point = geopointValue(data, code);
      if (point === undefined) problems.push({ code, message: t("geo_bad"), level: "error" });
      else if (point !== null) given[code] = env[code] = point;
      continue;
    }
    if ((question.kind === "date" || question.kind === "time") && input && input.validity && input.validity.badInput) {
      problems.push({ code, message: t(question.kind === "date" ? "date_bad" : "time_bad"), level: "error" });
      continue;
    }
    if (question.kind === "photo") {
      if (photos[code]) {
        given[code] = photos[code];
        env[code] = "photo";
      }
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
    } else if (question.kind === "integer" || question.kind === "decimal") {
      // What the observer typed is sent even when it breaks a rule (if they confirm): the
      // server keeps it in the raw report and flags it; checks read only valid numbers.
      // A decimal's 12,5 is 12.5: one answer per field, so a comma cannot separate anything.
      const whole = question.kind === "integer";
      const text = whole ? String(values[0]).trim() : String(values[0]).trim().replace(",", ".");
      if (!(whole ? INTEGER : DECIMAL).test(text)) {
        problems.push({ code, message: t(whole ? "whole" : "decimal"), level: "error" });
        given[code] = text;
        continue;
      }
      const number = Number(text);
      given[code] = number;
      if (question.minimum !== null && question.minimum !== undefined && number < question.minimum) {
        problems.push({ code, message: tf("below", { n: question.minimum }), level: "error" });
        continue;
      }
      if (question.maximum !== null && question.maximum !== undefined && number > question.maximum) {
        problems.push({ code, message: tf("above", { n: question.maximum }), level: "error" });
        continue;
      }
      env[code] = number;
    } else if (question.kind === "date" || question.kind === "time") {
      const text = String(values[0]).trim();
      const good = question.kind === "date" ? ISO_DATE.test(text) : CLOCK.test(text);
      if (!good) {
        problems.push({ code, message: t(question.kind === "date" ? "date_bad" : "time_bad"), level: "error" });
        given[code] = text;
        continue;
      }
      const value = question.kind === "time" ? text.slice(0, 5) : text;
      given[code] = value;
      if (question.minimum !== null && question.minimum !== undefined && value < question.minimum) {
        problems.push({ code, message: tf("below", { n: question.minimum }), level: "error" });
        continue;
      }
      if (question.maximum !== null && question.maximum !== undefined && value > question.maximum) {
        problems.push({ code, message: tf("above", { n: question.maximum }), level: "error" });
        continue;
      }
      env[code] = value;
    } else {
      const text = String(values[0]).trim();
      if ([...text].length > MAX_TEXT_LENGTH) {
        problems.push({ code, message: tf("long", { n: MAX_TEXT_LENGTH }), level: "error" });
        continue;
      }
      given[code] = env[code] = text;
    }
  }
  const applies = new Set();
  const notOffered = new Set();  // "CODE option" of choices hidden by their condition
  for (const question of questions) {
    const expression = relevant.get(question.code);
    if (expression && expression.evaluate(env) !== true) {
      delete env[question.code];
      continue;
    }
    applies.add(question.code);
    // validate._options_not_offered: a chosen choice whose condition does not hold is refused.
    const hidden = offeredIf.get(question.code).filter((entry) => entry.expression.evaluate(env) !== true);
    for (const entry of hidden) notOffered.add(`${question.code} ${entry.code}`);
    const chosen = [].concat(given[question.code] ?? []).map(String);
    if (hidden.some((entry) => chosen.includes(entry.code))) {
      problems.push({ code: question.code, message: t("option"), level: "error" });
      delete env[question.code];
      delete given[question.code];
    }
    const condition = requiredIf.get(question.code);
    const required = condition ? condition.evaluate(env) === true : question.required;
    if (required && !(question.code in given) && !problems.some((p) => p.code === question.code)) {
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
  return { applies, answers, problems: shown, notOffered };
}

function showRelevance(element, reading) {
  for (const wrap of element.querySelectorAll(".question")) {
    wrap.classList.toggle("hidden-by-skip", !reading.applies.has(wrap.dataset.code));
    for (const choice of wrap.querySelectorAll(".choice[data-option]")) {
      const offered = !(reading.notOffered || new Set()).has(`${wrap.dataset.code} ${choice.dataset.option}`);
      choice.classList.toggle("hidden-by-skip", !offered);
    }
    for (const shown of wrap.querySelectorAll(".q-label[data-template], .q-hint[data-template]")) {
      shown.textContent = shown.dataset.template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (whole, code) => {
        const answer = (reading.answers || {})[code];
        return answer === undefined ? "…" : [].concat(answer).join(" ");
      });
    }
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

// Drafts: what the form's fields hold, saved a moment after the observer stops typing,
// and at once when they leave the form. Never sent: the outbox is another database.
let pendingDraft = null;  // { timer, save } of the form on screen
async function flushDraft() {
  if (!pendingDraft) return;
  clearTimeout(pendingDraft.timer);
  const { save } = pendingDraft;
  pendingDraft = null;
  await save();
}
function cancelDraft() {
  if (pendingDraft) clearTimeout(pendingDraft.timer);
  pendingDraft = null;
}
const DRAFT_DELAY_MS = 700;
// Leaving the page (a reload, a closed tab, the phone switching apps) saves at once what the
// last 0.7 s held: the observer's last answers must not wait for the timer.
// IndexedDB opens asynchronously and a page being unloaded does not wait for it, so the draft
// is also written synchronously to localStorage, and moved into IndexedDB at the next start.
const RESCUED_DRAFT = "pollwatch-draft-rescue";
function rescueDraft() {
  if (!pendingDraft) return;
  try {
    localStorage.setItem(RESCUED_DRAFT, JSON.stringify(pendingDraft.snapshot()));
  } catch (error) {
    // over the storage quota (a large photo): the draft saved before the last change stands
  }
  flushDraft();
}
async function restoreRescuedDraft() {
  const text = localStorage.getItem(RESCUED_DRAFT);
  if (!text) return;
  try {
    const draft = JSON.parse(text);
    const filled = draft && (Object.keys(draft.values || {}).length || Object.keys(draft.photos || {}).length);
    if (draft && draft.key && filled) await putDraft(draft);
  } catch (error) {
    // unreadable: nothing to restore
  }
  localStorage.removeItem(RESCUED_DRAFT);
}
window.addEventListener("pagehide", rescueDraft);
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") rescueDraft(); });

function fieldValues(element) {
  const values = {};
  for (const field of element.elements) {
    if (!field.name || field.type === "file" || field.disabled) continue;
    if (field.type === "radio" || field.type === "checkbox") {
      if (field.checked) (values[field.name] ||= []).push(field.value);
    } else if (String(field.value).trim() !== "") {
      values[field.name] = [field.value];
    }
  }
  return values;
}

function setFieldValues(element, values) {
  for (const [name, list] of Object.entries(values || {})) {
    for (const field of element.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (field.type === "file") continue;
      if (field.type === "radio" || field.type === "checkbox") field.checked = list.includes(field.value);
      else field.value = list[0] ?? "";
    }
  }
}

// A sent report's answers as the form's fields hold them (photos apart).
function answersAsFields(form, answers) {
  const photoCodes = new Set(compiled(form).questions.filter((q) => q.kind === "photo").map((q) => q.code));
  const pointCodes = new Set(compiled(form).questions.filter((q) => q.kind === "geopoint").map((q) => q.code));
  const values = {};
  const photos = {};
  for (const [code, value] of Object.entries(answers || {})) {
    if (photoCodes.has(code)) photos[code] = value;
    else if (pointCodes.has(code)) {
      const [lat, lon, ...extra] = String(value).split(" ");
      values[`${code}__lat`] = [lat];
      values[`${code}__lon`] = [lon || ""];
      if (extra.length === 2) values[`${code}__acc`] = [extra.join(" ")];
    }
    else values[code] = (Array.isArray(value) ? value : [value]).map(String);
  }
  return { values, photos };
}

// Optional: the phone's position with the report, asked for when the box is ticked (or
// on opening the form if it was ticked last time). Sending never waits for it.
function locationChoice() {
  const box = document.createElement("div");
  box.className = "gps";
  const choice = document.createElement("label");
  choice.className = "choice gps-choice";
  const input = document.createElement("input");
  input.type = "checkbox";
  input.id = "gps";
  choice.append(input, textElement("span", t("gps")));
  const state = textElement("p", "", "small gps-state");
  state.setAttribute("role", "status");
  box.append(choice, state);
  let position = null;
  let asked = 0;
  const locate = () => {
    position = null;
    if (!("geolocation" in navigator)) { state.textContent = t("gps_none"); return; }
    const ask = ++asked;
    box.dataset.state = "wait";
    state.textContent = t("gps_wait");
    navigator.geolocation.getCurrentPosition(
      (found) => {
        if (ask !== asked) return;
        const round = (x) => Math.round(x * 1e6) / 1e6;
        position = { lat: round(found.coords.latitude), lon: round(found.coords.longitude), accuracy: Math.round(found.coords.accuracy) };
        box.dataset.state = "found";
        state.textContent = tf("gps_found", { n: position.accuracy });
      },
      () => {
        if (ask !== asked) return;
        box.dataset.state = "none";
        state.textContent = t("gps_none");
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  };
  input.checked = localStorage.getItem("pollwatch-gps") === "1";
  input.addEventListener("change", () => {
    localStorage.setItem("pollwatch-gps", input.checked ? "1" : "0");
    if (input.checked) locate();
    else { asked += 1; position = null; state.textContent = ""; box.dataset.state = ""; }
  });
  if (input.checked) locate();
  return { box, position: () => (input.checked ? position : null) };
}

// options.mode: "new" (default), "correct" (a correction of options.root), "resend" (a
// rejected report sent again as a new one) or "view" (still waiting to be sent).
// A new report starts from the form's defaults (XLSForm `default`), as ODK Collect does.
function defaultValues(form) {
  const values = {};
  for (const group of form.spec.groups || [{ questions: form.spec.questions || [] }]) {
    for (const question of group.questions || []) {
      if (question.default === null || question.default === undefined) continue;
      const text = String(question.default);
      values[question.code] = question.kind === "multiple" ? text.split(/\s+/).filter(Boolean) : [text];
    }
  }
  return values;
}

async function renderForm(form, deployment, options = {}) {
  const mode = options.mode || "new";
  const root = options.root || null;
  const key = mode === "view" || mode === "preview" ? null : mode === "correct" ? `fix|${root}` : draftKey(deployment.station, form.code);
  await flushDraft();
  const draft = key ? await getDraft(key) : undefined;
  document.getElementById("back-text").textContent = t("back");
  document.getElementById("form-title").textContent = formTitle(form, form.code);
  const station = document.getElementById("form-station");
  station.replaceChildren(...stationLine(deployment));
  const element = document.getElementById("form");
  element.replaceChildren();
  element.noValidate = true;  // our messages, in the observer's language, instead of the browser's bubbles
  const photos = {};
  const ctx = { photos, pending: new Set(), views: [], changed: () => { refresh(); scheduleDraft(); } };
  for (const group of form.spec.groups || [{ questions: form.spec.questions || [] }]) {
    const fieldset = document.createElement("fieldset");
    if (group.label) fieldset.append(textElement("legend", label(group.label)));
    for (const question of group.questions || []) fieldset.append(questionInput(question, ctx));
    element.append(fieldset);
  }
  const summary = document.createElement("div");
  summary.className = "form-problems";
  summary.setAttribute("role", "alert");
  summary.hidden = true;
  const gps = locationChoice();
  const draftState = textElement("p", "", "small draft-state");
  draftState.setAttribute("role", "status");
  const submit = document.createElement("button");
  submit.type = "submit";
  const submitText = mode === "correct" ? t("send_fix") : t("submit");
  submit.textContent = submitText;
  element.append(summary, gps.box, draftState, submit);

  const note = document.getElementById("form-note");
  note.replaceChildren();
  const say = (text, className) => note.appendChild(textElement("p", text, className));
  if (mode === "correct") say(tf("correcting", { time: clock(options.original.created) }), "correcting");
  if (mode === "resend") say(t("resend"), "resend");
  if (mode === "view") say(t("view_only"), "view-only");
  const start = draft
    ? { values: draft.values, photos: draft.photos || {} }
    : options.report ? answersAsFields(form, options.report.answers) : { values: defaultValues(form), photos: {} };
  if (draft) {
    const line = say(tf("draft_restored", { time: clock(draft.saved) }), "draft-restored");
    const discard = textElement("button", t("discard"), "discard");
    discard.type = "button";
    discard.addEventListener("click", async () => {
      cancelDraft();
      await dropDraft(key);
      renderForm(form, deployment, options);
    });
    line.append(" ", discard);
  }
  note.hidden = !note.childElementCount;
  setFieldValues(element, start.values);
  Object.assign(photos, start.photos);
  for (const view of ctx.views) view();
  if (mode === "view") {
    for (const field of element.elements) field.disabled = true;
    gps.box.hidden = true;
    submit.hidden = true;
  }

  const snapshot = () => ({
    key, form: form.code, station: deployment.station, election: deployment.election, mode, root,
    values: fieldValues(element), photos: { ...photos }, saved: new Date().toISOString(),
  });
  const saveDraft = async () => {
    const draft = snapshot();
    if (!Object.keys(draft.values).length && !Object.keys(photos).length) {
      await dropDraft(key);
      return;
    }
    await putDraft(draft);
    draftState.textContent = t("draft_saved");
  };
  const scheduleDraft = () => {
    if (!key) return;
    cancelDraft();
    pendingDraft = { save: saveDraft, snapshot, timer: setTimeout(flushDraft, DRAFT_DELAY_MS) };
  };

  let tried = false;          // after the first try, problems follow every change
  let warnedFor = null;       // the answers whose warnings the observer has seen
  const refresh = () => {
    const reading = evaluateForm(element, form, photos);
    showRelevance(element, reading);
    const answersKey = JSON.stringify(reading.answers);
    if (tried) {
      const empty = !Object.keys(reading.answers).length;
      showProblems(element, reading, empty ? "fix" : reading.problems.length ? "confirm" : null);
    }
    submit.textContent = warnedFor === answersKey ? t("anyway") : submitText;
    return reading;
  };
  element.oninput = (event) => { if (event.target !== gps.box.querySelector("input")) { refresh(); scheduleDraft(); } };
  element.onchange = element.oninput;
  refresh();
  if (options.report) {
    // What the server said about this report, where it applies, until the observer tries to send again.
    const problems = readableProblems(options.report, form);
    if (problems.length) showProblems(element, { problems }, null);
  }
  show("fill");
  window.scrollTo(0, 0);

  element.onsubmit = async (event) => {
    event.preventDefault();
    if (mode === "view" || submit.disabled) return;
    submit.disabled = true;
    try {
      if (ctx.pending.size) await Promise.all([...ctx.pending]);
      tried = true;
      const reading = evaluateForm(element, form, photos);
      showRelevance(element, reading);
      const answersKey = JSON.stringify(reading.answers);
      // Nothing to send at all is refused by the server: that alone blocks. Every other
      // problem is shown once and the report goes if the observer confirms it: a protocol
      // whose figures really do not add up is evidence, and the server keeps it as partial
      // with the problems flagged. An observer is never silenced by the app's checks.
      const empty = !Object.keys(reading.answers).length;
      const unseen = reading.problems.length && warnedFor !== answersKey;
      if (empty || unseen) {
        if (!empty) warnedFor = answersKey;
        showProblems(element, reading, empty ? "fix" : "confirm");
        submit.textContent = empty ? submitText : t("anyway");
        const first = element.querySelector(".has-error, .has-warning") || element.querySelector(".form-problems");
        if (first) first.scrollIntoView({ block: "center" });
        return;
      }
      if (mode === "preview") return;  // staff preview: the checks run, nothing is queued
      cancelDraft();
      const now = new Date().toISOString();
      const report = {
        client_uuid: crypto.randomUUID(), form: form.code, station: deployment.station, answers: { ...reading.answers },
        observed_at: now, created: now, status: "queued",
        form_version: form.version,  // a report filled before an update is judged by its own version
      };
      if (mode === "correct") report.corrects = root;
      const where = gps.position();
      if (where) report.location = where;
      await putReport(report);
      await dropDraft(key);
      await renderHome();
      sync();
    } finally {
      submit.disabled = false;
    }
  };
}

function asDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// Statuses the server can answer (POST, or GET ?uuid= while a report is "received").
const SERVER_STATUSES = new Set(["accepted", "partial", "rejected", "verified", "quarantined"]);

let syncing = false;
// Asked for while a round was on its way (a report saved as the last one went out): that
// round read the outbox before the new report was in it, so one more round follows it,
// not the 30 s timer.
let syncAgain = false;
let notBefore = 0;  // the server asked us to wait (429 Retry-After) until this time
async function sync() {
  if (syncing) { syncAgain = true; return; }
  if (!token() || Date.now() < notBefore) return;
  syncing = true;
  syncAgain = false;
  try {
    for (const report of await allReports()) {
      if (!WAITING.has(report.status)) continue;
      report.status = "sent";
      await putReport(report);
      const body = {
        client_uuid: report.client_uuid, form: report.form, station: report.station,
        answers: report.answers, observed_at: report.observed_at,
      };
      if (report.corrects) body.corrects = report.corrects;
      if (report.location) body.location = report.location;
      if (Number.isInteger(report.form_version)) body.form_version = report.form_version;
      let response;
      try {
        response = await fetch(API + "submissions", { method: "POST", headers: headers(), body: JSON.stringify(body) });
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
      report.problems = Array.isArray(result.problems) ? result.problems : [];
      report.reason = result.error || "";
      if (response.status === 202 || result.status === "received") {
        report.status = "received";  // stored; the server checks it in the background (polled below)
      } else if (!response.ok) {
        report.status = "rejected";
      } else if (result.status === "duplicate") {
        report.status = report.problems.length ? "partial" : "accepted";
      } else {
        report.status = SERVER_STATUSES.has(result.status) ? result.status : "accepted";
      }
      await putReport(report);
    }
    await poll();
    await adoptSent();
  } finally {
    syncing = false;
    if (!document.getElementById("home").hidden) renderHome();
    if (syncAgain) sync();
  }
}

// Reports the server has from this observer but this phone does not (a new or wiped phone):
// kept as sent, so My reports lists them, their forms are marked done, and they can be corrected.
let adopted = false;
async function adoptSent() {
  if (adopted) return;
  let found;
  try {
    const response = await fetch(API + "submissions", { headers: headers() });
    if (!response.ok) return;
    found = (await response.json()).submissions || [];
  } catch (error) {
    return;  // offline: try on the next sync
  }
  const known = new Set((await allReports()).map((r) => r.client_uuid));
  for (const sent of found) {
    if (known.has(sent.client_uuid) || !SERVER_STATUSES.has(sent.status)) continue;
    await putReport({
      client_uuid: sent.client_uuid, form: sent.form, station: sent.station, answers: sent.answers || {},
      form_version: sent.form_version, status: sent.status, problems: sent.problems || [],
      observed_at: sent.observed_at || sent.created, created: sent.created, from_server: true,
    });
  }
  adopted = true;
}

// Reports the server has but has not checked yet: ask for their status on every sync and,
// while any is waiting, soon after sending and then less and less often (1, 2, 4 … 30 s).
let pollTimer = null;
let pollDelay = 1000;
async function poll() {
  clearTimeout(pollTimer);
  const received = (await allReports()).filter((r) => r.status === "received");
  if (!received.length) { pollDelay = 1000; return; }
  pollTimer = setTimeout(async () => {
    await poll();
    if (!document.getElementById("home").hidden) renderHome();
  }, pollDelay);
  pollDelay = Math.min(pollDelay * 2, 30000);
  // 50 UUIDs a request: about 2 KB of query string, well inside a server's request line
  // (gunicorn refuses lines over 4 KB with 414).
  for (let i = 0; i < received.length; i += 50) {
    const batch = received.slice(i, i + 50);
    const query = batch.map((r) => "uuid=" + encodeURIComponent(r.client_uuid)).join("&");
    let data;
    try {
      const response = await fetch(`${API}submissions?${query}`, { headers: headers() });
      if (!response.ok) return;
      data = await response.json();
    } catch (error) {
      return;
    }
    for (const found of data.submissions || []) {
      const report = batch.find((r) => r.client_uuid === found.client_uuid);
      if (!report || found.status === "received") continue;
      report.status = found.status === "duplicate" ? "accepted" : SERVER_STATUSES.has(found.status) ? found.status : report.status;
      report.problems = Array.isArray(found.problems) ? found.problems : [];
      await putReport(report);
    }
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
  await restoreRescuedDraft();
  if (kept) await showMe(kept.data);
  const fresh = await loadMe();
  if (!fresh) { me = null; show("signin"); registerWorker(); return; }
  if (!kept || JSON.stringify(fresh) !== JSON.stringify(kept.data)) await showMe(fresh);
  // After `me`: on a slow line the worker's download of the shell must not delay it.
  registerWorker();
  sync();
  if (!start.polling) start.polling = setInterval(sync, 30000);
}

// A staff preview page (checklists' form preview) embeds one form: draw it as an observer
// would see it in the language asked, with no sign-in, drafts, queue or service worker.
function startPreview(preview) {
  lang = preview.language;
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL_LANGUAGES.has(lang) ? "rtl" : "ltr";
  document.getElementById("back").hidden = true;
  renderForm(preview.form, preview.deployment, { mode: "preview" });
}

const previewData = document.getElementById("preview-form");
if (previewData) startPreview(JSON.parse(previewData.textContent));
else start();

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
  showNet();  // shown at start before the language was known
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

// A code texted to the observer's phone by the coordinator: typed here, it verifies the number.
function showVerify() {
  const form = document.getElementById("verify");
  form.hidden = !me.phone_check;
  if (form.hidden) return;
  document.getElementById("verify-text").textContent = t("verifyText");
  document.getElementById("verify-label").textContent = t("verifyLabel");
  document.getElementById("verify-button").textContent = t("verifyButton");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const result = document.getElementById("verify-result");
    const code = form.elements.code.value.trim();
    try {
      const response = await fetch(API + "verify-phone", { method: "POST", headers: headers(), body: JSON.stringify({ code }) });
      if (response.ok) {
        me.phone_check = false;
        form.hidden = true;
        document.getElementById("who").textContent = `${me.observer.name} (${me.observer.code}) ✓`;
        localStorage.removeItem("pollwatch-me");
      } else {
        result.textContent = t(response.status === 409 ? "verifyNone" : "verifyWrong");
      }
    } catch (error) {
      result.textContent = t("verifyOffline");
    }
  };
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
  const verify = {
    en: { verifyText: "Your coordinator sent a code to your phone by SMS. Enter it to confirm your number.", verifyLabel: "Code", verifyButton: "Confirm", verifyWrong: "That is not the code we sent, or it has expired.", verifyNone: "No code is waiting: ask your coordinator for a new one.", verifyOffline: "No connection: try again when you are online." },
    az: { verifyText: "Koordinatorunuz telefonunuza SMS ilə kod göndərib. Nömrənizi təsdiqləmək üçün onu daxil edin.", verifyLabel: "Kod", verifyButton: "Təsdiqlə", verifyWrong: "Bu, göndərdiyimiz kod deyil və ya vaxtı bitib.", verifyNone: "Gözləyən kod yoxdur: koordinatorunuzdan yenisini istəyin.", verifyOffline: "Bağlantı yoxdur: onlayn olanda yenidən cəhd edin." },
    ru: { verifyText: "Координатор отправил код на ваш телефон по SMS. Введите его, чтобы подтвердить номер.", verifyLabel: "Код", verifyButton: "Подтвердить", verifyWrong: "Это не тот код, что мы отправили, или срок его действия истёк.", verifyNone: "Кода нет: попросите у координатора новый.", verifyOffline: "Нет связи: попробуйте снова, когда будете в сети." },
    ur: { verifyText: "آپ کے کوآرڈینیٹر نے آپ کے فون پر ایس ایم ایس سے ایک کوڈ بھیجا ہے۔ اپنا نمبر تصدیق کرنے کے لیے اسے درج کریں۔", verifyLabel: "کوڈ", verifyButton: "تصدیق کریں", verifyWrong: "یہ وہ کوڈ نہیں جو ہم نے بھیجا، یا اس کی مدت ختم ہو گئی ہے۔", verifyNone: "کوئی کوڈ منتظر نہیں: اپنے کوآرڈینیٹر سے نیا مانگیں۔", verifyOffline: "کنکشن نہیں: آن لائن ہونے پر دوبارہ کوشش کریں۔" },
  };
  for (const [code, texts] of Object.entries(verify)) if (TEXTS[code]) Object.assign(TEXTS[code], texts);
}
