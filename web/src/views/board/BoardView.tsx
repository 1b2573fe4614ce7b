// Built by the view's own work (issue 19).
export default function BoardView(_props: { id?: string }) {
  return <h1>BoardView</h1>;
}
