/**
 * Tables of a DOM subtree as data. A table's rows are the `<tr>`s whose nearest table is that
 * table (a nested table is a table of its own; its text also stays in the cell holding it). Cell
 * text is readable text with whitespace collapsed. Bounded by `extractLimits`: tables, rows per
 * table, cells per row and per table, characters per cell.
 */
import { clip, collapseWhitespace, type DomElement } from "./dom.js";
import { extractLimits, type ExtractedTable, type ExtractLimitName } from "./extracted.js";
import { readableText } from "./text.js";

export interface ReadTable {
  table: ExtractedTable;
  /** The caps this table hit. */
  limitsHit: ExtractLimitName[];
}

const cellText = (cell: DomElement): string =>
  clip(collapseWhitespace(readableText(cell, extractLimits.cellChars)), extractLimits.cellChars);

const isCell = (element: DomElement): boolean => {
  const name = element.localName.toLowerCase();
  return name === "td" || name === "th";
};

/** The rows of `table` itself, not of tables nested in it. */
const ownRows = (table: DomElement): DomElement[] =>
  Array.from(table.querySelectorAll("tr")).filter((row) => row.closest("table") === table);

/** Whether `row` is the table's header row: the first row of its thead, or a first row of th cells only. */
function isHeaderRow(row: DomElement, cells: DomElement[], index: number): boolean {
  if (row.parentElement?.localName.toLowerCase() === "thead") return row.parentElement.querySelector("tr") === row;
  return index === 0 && cells.length > 0 && cells.every((cell) => cell.localName.toLowerCase() === "th");
}

/** One table as data, within the caps. */
export function readTable(table: DomElement): ReadTable {
  const limitsHit = new Set<ExtractLimitName>();
  const captionElement = table.querySelector("caption");
  const caption =
    captionElement !== null && captionElement.closest("table") === table ? cellText(captionElement) || null : null;
  let headers: string[] = [];
  const rows: string[][] = [];
  let cellCount = 0;
  const rowElements = ownRows(table);
  for (const [index, row] of rowElements.entries()) {
    let cells = Array.from(row.children).filter(isCell);
    if (cells.length === 0) continue;
    if (cells.length > extractLimits.tableColumns) {
      limitsHit.add("tableColumns");
      cells = cells.slice(0, extractLimits.tableColumns);
    }
    if (headers.length === 0 && rows.length === 0 && isHeaderRow(row, cells, index)) {
      headers = cells.map(cellText);
      continue;
    }
    if (rows.length >= extractLimits.tableRows) {
      limitsHit.add("tableRows");
      break;
    }
    if (cellCount + cells.length > extractLimits.tableCells) {
      limitsHit.add("tableCells");
      break;
    }
    cellCount += cells.length;
    rows.push(cells.map(cellText));
  }
  return { table: { caption, headers, rows }, limitsHit: [...limitsHit] };
}

/** The tables under `root` that have at least one row of cells, at most `extractLimits.tables`. */
export function collectTables(root: DomElement): { tables: ExtractedTable[]; limitsHit: ExtractLimitName[] } {
  const tables: ExtractedTable[] = [];
  const limitsHit = new Set<ExtractLimitName>();
  for (const element of Array.from(root.querySelectorAll("table"))) {
    if (tables.length >= extractLimits.tables) {
      limitsHit.add("tables");
      break;
    }
    const read = readTable(element);
    if (read.table.headers.length === 0 && read.table.rows.length === 0) continue;
    tables.push(read.table);
    for (const limit of read.limitsHit) limitsHit.add(limit);
  }
  return { tables, limitsHit: [...limitsHit] };
}
