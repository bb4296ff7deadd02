// The registered cell types (GET /api/cells): the pages' one source of cell names,
// display names, gates, cell state and the options each cell takes. No page keeps a copy.

async function loadCells() {
  try {
    const response = await fetch("/api/cells", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return await response.json();
  } catch (err) {
    console.error(`rnnlab: cannot read the registered cells (${err.message})`);
    return [];
  }
}

/** Every registered cell, in registry order: [{name, display_name, gates, ...}]. */
export const CELLS = await loadCells();

const BY_NAME = new Map(CELLS.map((cell) => [cell.name, cell]));

/** The description of cell `name`, or null when the server does not know it. */
export function cellInfo(name) {
  return BY_NAME.get(name) || null;
}

/** How a page shows cell `name`: its display name (the name itself if unknown). */
export function displayName(name) {
  return cellInfo(name)?.display_name || String(name || "?");
}
