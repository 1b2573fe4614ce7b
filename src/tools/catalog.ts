import {
  appendFile,
  deleteFile,
  listFiles,
  makeDirectory,
  moveFile,
  readFile,
  stat,
  writeFile,
} from "./files/files.tools.js";
import { lockFile, unlockFile } from "./files/locks.tools.js";
import { gitBranch, gitClone, gitCommit, gitDiff, gitLog, gitPush, gitStatus } from "./git/git.tools.js";
import { githubTools } from "./github/github.tools.js";
import { installPackages, runPython } from "./python/python.tools.js";
import type { ToolDefinition } from "./registry.js";
import { generateReport } from "./reports/report.tools.js";
import { addSource, extract, fetchPage, research } from "./research/research.tools.js";
import { webSearch } from "./research/search/search.tools.js";
import { runCommand } from "./terminal/terminal.tools.js";
import { sendEmail } from "./email/email.tools.js";
import { readMessages, sendMessage } from "./channels/channel.tools.js";
import { delegateTask, waitForTasks } from "./delegation/delegation.tools.js";

/**
 * Every tool of the service, each declared once in its own module: the model's functions, the
 * API's mutations and the tool service's checks all come from this list. A new tool is its
 * file and one line here.
 */
export const toolCatalog: readonly ToolDefinition[] = [
  readFile,
  writeFile,
  appendFile,
  listFiles,
  stat,
  makeDirectory,
  moveFile,
  deleteFile,
  lockFile,
  unlockFile,
  runCommand,
  runPython,
  installPackages,
  webSearch,
  fetchPage,
  extract,
  research,
  addSource,
  gitClone,
  gitStatus,
  gitDiff,
  gitLog,
  gitBranch,
  gitCommit,
  gitPush,
  ...githubTools,
  generateReport,
  sendEmail,
  sendMessage,
  readMessages,
  delegateTask,
  waitForTasks,
] as ToolDefinition[];
