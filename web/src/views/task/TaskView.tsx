// Built by the view's own work (issue 19).
export default function TaskView(_props: { id?: string }) {
  return <h1>TaskView</h1>;
}
