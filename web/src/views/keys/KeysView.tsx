// Built by the view's own work (issue 19).
export default function KeysView(_props: { id?: string }) {
  return <h1>KeysView</h1>;
}
