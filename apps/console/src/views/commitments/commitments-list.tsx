export function CommitmentsList() {
  return <h1>Commitments</h1>;
}
