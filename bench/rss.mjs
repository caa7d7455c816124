// Loaded with `node --import` by the benchmark: reports the child's peak resident memory at exit.
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
