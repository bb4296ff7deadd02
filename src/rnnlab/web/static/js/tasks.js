// The tasks a run can have (GET /api/tasks): the pages' one source of task names, display
// names, hints, the shapes of RNN each is, its prediction and its metric names.

async function loadTasks() {
  try {
    const response = await fetch("/api/tasks", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return await response.json();
  } catch (err) {
    console.error(`rnnlab: cannot read the tasks (${err.message})`);
    return [];
  }
}

/** Every task, in the config's order: [{name, display_name, hint, shapes, ...}]. */
export const TASKS = await loadTasks();

const BY_NAME = new Map(TASKS.map((task) => [task.name, task]));

/** The description of task `name`, or null when the server does not know it. */
export function taskInfo(name) {
  return BY_NAME.get(name) || null;
}

/** `<option>`s of the tasks: value the name, text the display name. */
export function taskOptions() {
  return TASKS.map((task) => new Option(task.display_name, task.name));
}
