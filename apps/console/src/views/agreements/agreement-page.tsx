export function AgreementPage({ id }: { id: string }) {
  return <h1>Agreement {id}</h1>;
}
