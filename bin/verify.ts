#!/usr/bin/env node
import { main } from '../lib/verify';

main().catch((e) => {
  // Only a defect gets here: every refusal is printed by main() without a stack trace.
  console.error(e);
  process.exitCode = 2;
});
