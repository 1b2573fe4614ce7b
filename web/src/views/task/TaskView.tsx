// Built by the view's own work (issue 19). Placeholder of Part C's branch: mounts the commands and files panels.
import { useQuery } from "urql";
import { useCan } from "../../app/auth";
import { graphql } from "../../gql";
import { CommandRuns } from "./terminal/CommandRuns";
import { FilesPanel } from "./files/FilesPanel";

const TaskWorkspaceDoc = graphql(`
  query TermFilesTaskWorkspace($id: ID!) {
    task(id: $id) {
      id
      workspace {
        id
      }
    }
  }
`);

export default function TaskView({ id = "" }: { id?: string }) {
  const can = useCan();
  const [result] = useQuery({ query: TaskWorkspaceDoc, variables: { id } });
  const workspaceId = result.data?.task?.workspace?.id ?? null;
  return (
    <>
      <h1>TaskView</h1>
      {result.data ? (
        <>
          <CommandRuns taskId={id} workspaceId={workspaceId} />
          <FilesPanel workspaceId={workspaceId} canWrite={can.operate} />
        </>
      ) : null}
    </>
  );
}
