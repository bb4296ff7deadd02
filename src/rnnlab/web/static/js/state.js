// Form state <-> URL query string. The Build, Data and Train pages edit one RunConfig
// mapping (src/rnnlab/spec/run.py); its dotted fields live in the query string, so a
// configuration is a link. Only values that differ from RunConfig's defaults are written;
// a present-but-empty value means null (e.g. `train.clip_grad_norm=` turns clipping off).

// Every field, its type, default, choices and bounds come from RunConfig's JSON schema
// (GET /api/config/schema): the pages keep no copy of them. A few fields default to
// another value for some task (GET /api/tasks: a task's `defaults`).

import { taskInfo } from "./tasks.js";

const TYPES = { string: "str", integer: "int", number: "float", boolean: "bool", array: "list" };

/** One field of the schema: {type, def, nullable, choices, min, max}. */
function fieldOf(prop, required) {
  const options = prop.anyOf || [prop];
  const typed = options.find((o) => o.type && o.type !== "null") || prop;
  const choices = prop.enum || options.find((o) => o.enum)?.enum || null;
  const nullable = options.some((o) => o.type === "null") || (required && !choices);
  const def = "default" in prop ? prop.default : choices ? choices[0] : null;
  const min = typed.minimum ?? typed.exclusiveMinimum ?? null;
  const max = typed.maximum ?? null;
  return { type: TYPES[typed.type || prop.type] || "str", def, nullable, choices, min, max };
}

/** The dotted fields of a RunConfig schema: task, name, data.path, ..., train.seed. */
export function fieldsOf(schema) {
  const fields = {};
  const required = new Set(schema.required || []);
  for (const [name, prop] of Object.entries(schema.properties || {})) {
    const ref = prop.$ref || prop.allOf?.[0]?.$ref;
    if (!ref) {
      fields[name] = fieldOf(prop, required.has(name));
      continue;
    }
    const section = schema.$defs[ref.split("/").pop()];
    const inner = new Set(section.required || []);
    for (const [key, sub] of Object.entries(section.properties)) fields[`${name}.${key}`] = fieldOf(sub, inner.has(key));
  }
  return fields;
}

async function loadFields() {
  try {
    const response = await fetch("/api/config/schema", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return fieldsOf(await response.json());
  } catch (err) {
    console.error(`rnnlab: cannot read the run settings' schema (${err.message})`);
    return {};
  }
}

export const FIELDS = await loadFields();

/** A raw string (from a URL or an input) as the field's value; NaN-free. */
export function parseValue(key, raw) {
  const field = FIELDS[key];
  if (raw === null || raw === undefined) return field.def;
  const text = String(raw).trim();
  if (text === "") return field.nullable ? null : field.def;
  if (field.type === "bool") return text === "true" || text === "on" || text === "1";
  if (field.type === "list") return text.split(",").map((item) => item.trim()).filter(Boolean); // a,b
  if (field.type === "int" || field.type === "float") {
    const n = Number(text);
    return Number.isFinite(n) ? n : text; // a non-number is kept: the server names the field
  }
  return text;
}

/** The fields whose default for `task` is not their own: {dotted name: value}. */
export function taskDefaults(task) {
  return taskInfo(task)?.defaults || {};
}

/** `state` moves to task `to`: the fields the old task defaulted go back to their own
 * default, the new one's defaults apply (GET /api/tasks: `defaults`), and a one-way task
 * reads one way. The Build and Data pages both change the task through this. */
export function switchTask(state, to) {
  for (const key of Object.keys(taskDefaults(state.task))) if (key in FIELDS) state[key] = FIELDS[key].def;
  state.task = to;
  for (const [key, value] of Object.entries(taskDefaults(to))) if (key in FIELDS) state[key] = value;
  if (taskInfo(to)?.bidirectional === false) state["model.bidirectional"] = false;
}

/** The current state: every field's value (defaults, the task's where it has its own). */
export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const state = {};
  for (const key of Object.keys(FIELDS)) {
    state[key] = params.has(key) ? parseValue(key, params.get(key)) : FIELDS[key].def;
  }
  for (const [key, value] of Object.entries(taskDefaults(state.task))) if (!params.has(key) && key in FIELDS) state[key] = value;
  return state;
}

/** Whether a field at its schema default still needs writing: when the task has its own
 * default for it, leaving it out would give the task's value. */
function taskDefaulted(state, key) {
  return key in taskDefaults(state.task);
}

/** The query string of a state: only fields that differ from their defaults. */
export function toQuery(state) {
  const params = new URLSearchParams();
  for (const [key, field] of Object.entries(FIELDS)) {
    const value = state[key];
    if (value === undefined || (value === field.def && !taskDefaulted(state, key))) continue;
    params.set(key, value === null ? "" : Array.isArray(value) ? value.join(",") : String(value));
  }
  return params.toString();
}

/** Replace the URL's config fields with `state`, keeping other parameters (run=...). */
export function writeState(state) {
  const params = new URLSearchParams(window.location.search);
  for (const key of Object.keys(FIELDS)) params.delete(key);
  for (const [k, v] of new URLSearchParams(toQuery(state))) params.set(k, v);
  const query = params.toString();
  const url = window.location.pathname + (query ? `?${query}` : "");
  window.history.replaceState(null, "", url);
  refreshNavLinks(state);
}

/** `href` with the state's query string. */
export function linkWith(href, state) {
  const query = toQuery(state);
  return query ? `${href}?${query}` : href;
}

/** The RunConfig mapping of a state; fields left at their default are omitted. */
export function toConfig(state, { sections = ["data", "embedding", "model", "train"] } = {}) {
  const config = { task: state.task };
  if (state.name) config.name = state.name;
  for (const section of sections) config[section] = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    const [section, name] = key.split(".");
    if (!name || !config[section]) continue;
    const value = state[key];
    if (value === field.def && !(key === "data.path") && !taskDefaulted(state, key)) continue;
    if (value === null && !field.nullable) continue;
    config[section][name] = value;
  }
  return config;
}

/** The state of a stored RunConfig mapping (e.g. a run's config). */
export function fromConfig(config) {
  const state = readState("");
  for (const key of Object.keys(FIELDS)) {
    const [section, name] = key.split(".");
    const value = name ? config?.[section]?.[name] : config?.[section];
    if (value !== undefined) state[key] = value;
  }
  return state;
}

/** A control as the schema describes its field: a select lists the field's choices with
 * the default marked, a number input takes the field's bounds. Done once per control. */
function describeControl(control, field) {
  if (control.dataset.described) return;
  control.dataset.described = "true";
  if (control.type === "number") {
    if (field.min !== null) control.min = String(field.min);
    if (field.max !== null) control.max = String(field.max);
  }
  if (control.tagName !== "SELECT" || !field.choices) return;
  for (const choice of field.choices) {
    if (![...control.options].some((o) => o.value === choice)) control.add(new Option(choice, choice));
  }
  for (const option of [...control.options]) {
    if (option.value === "" ? !field.nullable : !field.choices.includes(option.value)) option.remove();
    else if (option.value === String(field.def)) option.textContent += " (default)";
  }
}

/** Put state values into the form controls whose `name` is a field. */
export function fillForm(root, state) {
  for (const control of root.querySelectorAll("[name]")) {
    const key = control.name;
    if (!(key in FIELDS)) continue;
    describeControl(control, FIELDS[key]);
    const value = state[key];
    if (control.type === "checkbox") control.checked = Boolean(value);
    else if (control.type === "radio") control.checked = control.value === String(value);
    else if (control.tagName === "SELECT" && value !== null && ![...control.options].some((o) => o.value === String(value))) {
      const option = new Option(String(value), String(value));
      control.add(option);
      control.value = String(value);
    } else control.value = value === null ? "" : String(value);
  }
}

/** Read the form controls whose `name` is a field into `state` (in place); returns it. */
export function readForm(root, state) {
  for (const control of root.querySelectorAll("[name]")) {
    const key = control.name;
    if (!(key in FIELDS) || control.disabled) continue;
    if (control.type === "checkbox") state[key] = control.checked;
    else if (control.type === "radio") {
      if (control.checked) state[key] = parseValue(key, control.value);
    } else state[key] = parseValue(key, control.value);
  }
  return state;
}

/** Nav links of the configuration pages carry the state; marks the current page. */
export function refreshNavLinks(state) {
  for (const link of document.querySelectorAll("a[data-carry-state]")) {
    const base = link.getAttribute("data-href") || link.getAttribute("href").split("?")[0];
    link.setAttribute("data-href", base);
    link.setAttribute("href", state ? linkWith(base, state) : base);
  }
}

/** Mark the current page in the header's navigation. */
export function markNav() {
  const page = document.body.dataset.page;
  for (const link of document.querySelectorAll(".topbar nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
  }
}

/** Mark the page ready (its first requests answered): `<body data-ready="true">`. */
export function markReady() {
  document.body.dataset.ready = "true";
}

/** Small helpers shared by the pages. */
export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function debounce(fn, ms = 250) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Element builder: el("td", {class: "num"}, "12"). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Hints the Data page learnt (vocabulary size, classes) for the Build page's summary. */
export function saveHint(path, hint) {
  try {
    sessionStorage.setItem(`rnnlab.hint.${path}`, JSON.stringify(hint));
  } catch {
    /* storage may be off: the hint is only a nicety */
  }
}

export function loadHint(path) {
  if (!path) return null;
  try {
    return JSON.parse(sessionStorage.getItem(`rnnlab.hint.${path}`) || "null");
  } catch {
    return null;
  }
}
