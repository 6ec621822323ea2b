export function AgreementsList() {
  return <h1>Agreements</h1>;
}
