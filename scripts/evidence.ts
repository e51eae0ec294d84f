#!/usr/bin/env node
import { evidenceCli } from '../lib/evidence/cli';

process.exit(evidenceCli(process.argv.slice(2)));
