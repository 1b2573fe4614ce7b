/** An OpenRouter-style model id (`openai/gpt-4o`, `anthropic/claude-sonnet-4.5:beta`), at most 200 characters. */
const modelIdPattern = /^[A-Za-z0-9~][\w.:/@~+-]*$/;

/** Whether `m` is a language model's id as OpenRouter names them (`vendor/model[:variant]`). */
export const isModelId = (m: string): boolean => m.length > 0 && m.length <= 200 && modelIdPattern.test(m);
