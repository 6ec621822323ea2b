export function SessionsList() {
  return <h1>Sessions</h1>;
}
