import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Resolver } from "type-graphql";
import type { CommandRunEntity } from "../../infra/db/entities.js";
import type {
  PythonResult as PythonResultShape,
  Traceback as TracebackShape,
} from "../../tools/python/python.tools.js";
import { principalOf, type Context } from "../context.js";
import { stripNulls } from "./terminal.resolver.js";
import { CommandRun } from "./tool.type.js";

@ObjectType({ simpleResolvers: true })
export class TracebackFrame {
  @Field(() => String) file!: string;
  @Field(() => Int) line!: number;
  @Field(() => String) function!: string;
}

@ObjectType({ simpleResolvers: true, description: "The exception a Python run raised." })
export class Traceback {
  @Field(() => String, { description: "The exception's class, e.g. ZeroDivisionError." }) type!: string;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true, description: "Where it was raised; <code> for code passed inline." })
  file!: string | null;
  @Field(() => Int, { nullable: true }) line!: number | null;
  @Field(() => [TracebackFrame]) frames!: TracebackShape["frames"];
}

@ObjectType({ simpleResolvers: true })
export class PythonResult {
  @Field(() => CommandRun) run!: CommandRunEntity;
  @Field(() => String) stdout!: string;
  @Field(() => String) stderr!: string;
  @Field(() => Traceback, { nullable: true }) traceback!: TracebackShape | null;
}

@ObjectType({ simpleResolvers: true })
export class PackageInstallResult {
  @Field(() => CommandRun) run!: CommandRunEntity;
  @Field(() => String) stdout!: string;
  @Field(() => String) stderr!: string;
}

@InputType()
export class RunPythonInput {
  @Field(() => ID) workspaceId!: string;
  @Field(() => String, { nullable: true, description: "Code to run (give this or path)." }) code?: string | null;
  @Field(() => String, { nullable: true, description: "A .py file of the workspace to run." }) path?: string | null;
  @Field(() => [String], { nullable: true }) args?: string[] | null;
  @Field(() => String, { nullable: true }) stdin?: string | null;
  @Field(() => Int, { nullable: true }) timeoutMs?: number | null;
}

@Resolver()
export class PythonResolver {
  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => PythonResult, {
    description:
      "Runs Python with the workspace's venv in the sandbox and waits for it; an exception comes back as a traceback.",
  })
  runPython(
    @Arg("input", () => RunPythonInput) input: RunPythonInput,
    @Ctx() ctx: Context,
  ): Promise<PythonResultShape> {
    return ctx.services.tools.call("runPython", stripNulls(input), principalOf(ctx));
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => PackageInstallResult, {
    description: "Installs packages into the workspace's venv from the configured index only (PIP_INDEX_URL).",
  })
  installPackages(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("packages", () => [String]) packages: string[],
    @Ctx() ctx: Context,
    @Arg("timeoutMs", () => Int, { nullable: true }) timeoutMs?: number,
  ): Promise<PackageInstallResult> {
    return ctx.services.tools.call(
      "installPackages",
      stripNulls({ workspaceId, packages, timeoutMs }),
      principalOf(ctx),
    );
  }
}
