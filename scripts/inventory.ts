#!/usr/bin/env node
import { inventoryCli } from '../lib/inventory-cli';

process.exit(inventoryCli(process.argv.slice(2)));
