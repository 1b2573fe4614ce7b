import type { Role } from "../terms.js";

/** Who is calling: the API key that authenticated the request or socket. */
export interface Principal {
  apiKeyId: string;
  name: string;
  role: Role;
  /** Set for AGENT keys: the agent this key acts as. */
  agentId: string | null;
}

const implied: Record<Role, readonly Role[]> = {
  ADMIN: ["ADMIN", "OPERATOR", "VIEWER"],
  OPERATOR: ["OPERATOR", "VIEWER"],
  VIEWER: ["VIEWER"],
  AGENT: ["AGENT", "VIEWER"],
};

/** True when a principal of `role` may do what any of `required` may do. */
export const roleAllows = (role: Role, required: readonly Role[]): boolean =>
  required.length === 0 || required.some((r) => implied[role].includes(r));
