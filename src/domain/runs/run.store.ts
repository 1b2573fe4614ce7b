import type { ModelCallRecord, RunMessageRecord } from "../records.js";
import type { Message } from "../shared/pubsub.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { NewTaskEvent } from "../tasks/task-events.js";

export interface StoredToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A conversation message as the runtime keeps it (the model's wire format is built from it). */
export type ConversationMessage =
  | { role: "user"; content: string; author?: string }
  | { role: "assistant"; content: string | null; toolCalls: StoredToolCall[] }
  | { role: "tool"; toolCallId: string; name: string; content: string };

export interface RunState {
  step: number;
  activeMs: number;
  repeatKey: string | null;
  repeatCount: number;
  waitReason: string | null;
  messages: ConversationMessage[];
}

export interface AppendOptions {
  /** Deliver the person's messages waiting for the task first. */
  inbox?: boolean;
  /** Events written on the task in the same transaction. */
  events?: readonly NewTaskEvent[];
  /** Model-call rows (the turn's successful attempt) stored in the same transaction. */
  modelCalls?: readonly ModelCallRecord[];
  /**
   * The run's counters as the caller knows them (the one session driving the task keeps them):
   * then nothing is read back, the counters and rows go with the transaction's next round trip.
   * A caller that knew them wrong (another session appended meanwhile) fails on the unique
   * (task_id, seq) of the messages, and its transaction rolls back.
   */
  counters?: { messageSeq: number; step: number };
  /** Told the task's event counter after the events this write adds (`append`: after its commit). */
  onEventSeq?: (seq: number) => void;
  /**
   * The task's event counter as the caller believes it is (the runtime follows it): the write is
   * then one batch that checks it at the commit (see optimisticTransaction), and runs again the
   * ordinary way when it was wrong.
   */
  knownEventSeq?: number;
}

export interface StepPatch {
  /** Count this write as a completed step (a model turn). */
  step?: boolean;
  /** Working time to add. */
  activeMs?: number;
  repeatKey?: string | null;
  repeatCount?: number;
}

/**
 * A task's conversation and step state, persisted after every step (implemented in
 * src/infra/db/stores/run.store.ts): messages are append-only rows numbered per task, written in
 * one transaction with the run's counters, so a worker that dies loses at most the step it was
 * in, and the next worker resumes at the last completed one.
 */
export interface RunStore {
  /** The run's state, created empty on the first call. */
  open(taskId: string, agentId: string): Promise<RunState>;
  messages(taskId: string, afterSeq: number, limit: number): Promise<RunMessageRecord[]>;
  /**
   * Appends messages and updates the counters in one transaction, with `events` written on the
   * task in the same transaction. With `inbox`, the person's messages waiting for the task are
   * appended first (as user messages) and marked delivered.
   */
  append(
    taskId: string,
    messages: readonly ConversationMessage[],
    patch?: StepPatch,
    opts?: AppendOptions,
  ): Promise<ConversationMessage[]>;
  /** `append` inside the caller's transaction (a status change and its tool result commit together). */
  appendIn(
    tx: TransactionHandle,
    out: Message[],
    taskId: string,
    messages: readonly ConversationMessage[],
    patch?: StepPatch,
    opts?: AppendOptions,
  ): Promise<ConversationMessage[]>;
  /** Records why the run stopped without finishing (shown once); returns false if it already said so. */
  setWaitReason(taskId: string, reason: string | null): Promise<boolean>;
}
