import { Option, type Command } from 'commander';
import { importFeed, type FeedFormat, type ImportResult } from '../rates/import/index.js';
import { checkOut, emit, note } from '../util/output.js';

interface ImportFlags {
  from: FeedFormat;
  card?: string;
  effective: string;
  product?: string;
  only?: string;
  provider?: string;
  name?: string;
  out?: string;
  format?: 'yaml' | 'json';
}

/** `tallyman rates import FILE --from v1-models|litellm`: a saved price feed as a new dated card version. */
export function registerRatesImport(rates: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  rates
    .command('import')
    .description('write a new dated version of a card from a saved price feed (GET /v1/models or a LiteLLM price map); local files only')
    .argument('<file>', 'the saved feed (JSON)')
    .addOption(new Option('--from <format>', 'what the file is').choices(['v1-models', 'litellm']).makeOptionMandatory())
    .option('--card <card>', 'the card to add a version to (built-in name or file); without it, a new card')
    .requiredOption('--effective <date>', "the new version's effective_from (YYYY-MM-DD), after the card's latest version")
    .option('--product <id>', "the LLM product the prices go to (default: the card's only one)")
    .option('--only <ids>', 'only these feed model ids, comma-separated')
    .option('--provider <name>', 'LiteLLM: only models of this litellm_provider')
    .option('--name <name>', 'the name of a new card (default imported)')
    .addOption(new Option('-f, --format <format>', 'card file format (default: by --out extension, else yaml)').choices(['yaml', 'json']))
    .option('-o, --out <file>', 'write the card file here (default: standard output)')
    .addHelpText('after', `
Examples:
  $ tallyman rates import fixtures/provider/llm-gateway-models.json --from v1-models --card assemblyai --effective 2026-12-01 --out assemblyai-2026-12.yaml
  $ tallyman rates import prices.json --from litellm --provider anthropic --name claude --effective 2026-12-01`)
    .action((file: string, flags: ImportFlags) =>
      run(async () => {
        checkOut(flags.out, [file, flags.card]);
        const format = flags.format ?? (flags.out !== undefined && /\.json$/i.test(flags.out) ? 'json' : 'yaml');
        const result = importFeed({
          feed: file, from: flags.from, card: flags.card, effective: flags.effective, product: flags.product,
          only: flags.only?.split(',').map((s) => s.trim()).filter((s) => s !== ''), provider: flags.provider, name: flags.name,
          out: flags.out === '-' ? undefined : flags.out, format,
        });
        for (const line of reportLines(result)) note(line);
        if (!result.changed) return 0;
        await emit(result.text, flags.out);
        return 0;
      }),
    );
}

/** What the import did, for standard error: models new, changed and unchanged, settings, and what the card cannot hold. */
function reportLines(r: ImportResult): string[] {
  const of = (status: string) => r.models.filter((m) => m.status === status).map((m) => (m.model === m.feedId ? m.model : `${m.model} (${m.feedId})`));
  const version = r.card.versions.at(-1)!;
  const lines = [
    r.changed
      ? `rates import: version ${version.label} #${version.hash} of card ${r.card.name}, product ${r.product}: ${of('new').length} new, ${of('changed').length} changed, ${of('unchanged').length} unchanged`
      : `rates import: nothing changed for product ${r.product} (${of('unchanged').length} model(s) priced as on the card): no version written`,
  ];
  if (of('new').length > 0) lines.push(`  new: ${of('new').join(', ')}`);
  if (of('changed').length > 0) lines.push(`  changed: ${of('changed').join(', ')}`);
  for (const s of r.settings) lines.push(`  set: ${s}`);
  if (r.notInFeed.length > 0) lines.push(`  not in the feed, kept as they were: ${r.notInFeed.join(', ')}`);
  for (const u of r.unheld) lines.push(`  warning: the card cannot hold ${u}`);
  if (r.skipped.length > 0) lines.push(`  passed over: ${r.skipped.length} entr${r.skipped.length === 1 ? 'y' : 'ies'} not priced by tokens (${r.skipped.slice(0, 3).map((s) => `${s.id}: ${s.why}`).join('; ')}${r.skipped.length > 3 ? '; …' : ''})`);
  return lines;
}
