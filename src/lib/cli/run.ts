/** Entry for the bin shims: one oclif root per binary (clis/<bin>/package.json, made by the build). */
export async function run(bin: string, binUrl: string): Promise<void> {
  const {execute} = await import('@oclif/core')
  await execute({dir: new URL(`../clis/${bin}/package.json`, binUrl).href})
}
