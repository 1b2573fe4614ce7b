import { useQuery } from "urql";
import { Link } from "../../app/router";
import { StatusBadge } from "../../ui/StatusBadge";
import { Empty, QueryState } from "../../ui/States";
import type { TaskViewTreeNodeFragment } from "../../gql/graphql";
import { TaskViewTreeDoc } from "./queries";

type TreeNode = TaskViewTreeNodeFragment & { children?: TreeNode[] };

/** The delegation tree under the task (three levels), each with its status and progress. */
export function TreePanel({ taskId }: { taskId: string }) {
  const [result] = useQuery({ query: TaskViewTreeDoc, variables: { rootId: taskId } });
  return (
    <section aria-labelledby="tree-title">
      <h2 id="tree-title">Task tree</h2>
      <QueryState result={result} label="the task tree">
        {(data) => {
          const root = data.taskTree as TreeNode | null;
          if (!root) return <Empty>The tree could not be read.</Empty>;
          if (!root.children?.length) return <Empty>No subtasks: nothing was delegated from this task.</Empty>;
          return (
            <ul className="tree" data-testid="task-tree">
              {root.children.map((c) => (
                <Node key={c.task.id} node={c} />
              ))}
            </ul>
          );
        }}
      </QueryState>
    </section>
  );
}

function Node({ node }: { node: TreeNode }) {
  const p = node.progress;
  return (
    <li>
      <Link to={`/tasks/${node.task.id}`}>{node.task.title}</Link> <StatusBadge status={node.task.status} />{" "}
      <span className="muted">
        {p.percent}%{p.childrenTotal ? `, ${p.childrenDone}/${p.childrenTotal} children done` : ""}
      </span>
      {node.children?.length ? (
        <ul>
          {node.children.map((c) => (
            <Node key={c.task.id} node={c} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
