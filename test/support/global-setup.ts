// Replaced by the database harness; kept minimal so suites without a database run.
export default async function setup(): Promise<void> {}
