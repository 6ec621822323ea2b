export function CommitmentPage({ id }: { id: string }) {
  return <h1>Commitment {id}</h1>;
}
