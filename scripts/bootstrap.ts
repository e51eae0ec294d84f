#!/usr/bin/env node
import { bootstrapCli } from '../lib/deploy/bootstrap-cli';

process.exit(bootstrapCli(process.argv.slice(2)));
