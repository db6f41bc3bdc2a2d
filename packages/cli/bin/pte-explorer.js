#!/usr/bin/env node
'use strict';
require('../dist/pte-explorer.js').main();
