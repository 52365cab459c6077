/**
 * Test files in the order a tier runs them: by name, or by name reversed with ACR_TEST_ORDER=reverse, which
 * shows that no file leans on what another left behind.
 */
export function inTestOrder(files: readonly string[], order = process.env.ACR_TEST_ORDER): string[] {
  const byName = [...files].sort();
  if (!order) return byName;
  if (order === 'reverse') return byName.reverse();
  throw new Error(`ACR_TEST_ORDER is "${order}": set it to "reverse", or leave it unset for the order by name.`);
}
