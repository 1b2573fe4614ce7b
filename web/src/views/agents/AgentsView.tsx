// Built by the view's own work (issue 19).
export default function AgentsView(_props: { id?: string }) {
  return <h1>AgentsView</h1>;
}
