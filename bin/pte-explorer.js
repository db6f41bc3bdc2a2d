#!/usr/bin/env node
'use strict';
require('../out/runtime/cli/main.js').main();
