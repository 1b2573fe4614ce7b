// Built by the view's own work (issue 19).
export default function UsageView(_props: { id?: string }) {
  return <h1>UsageView</h1>;
}
