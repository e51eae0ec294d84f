#!/usr/bin/env node
import { evidenceCliWithHtml } from '../lib/evidence/html-cli';

void evidenceCliWithHtml(process.argv.slice(2)).then((status) => process.exit(status));
