// Built by the view's own work (issue 19).
export default function NotificationsView(_props: { id?: string }) {
  return <h1>NotificationsView</h1>;
}
