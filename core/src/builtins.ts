import { registry } from './registry/registry.js';
import { Adam, AdamW } from './optim/adam.js';
import { Sgd } from './optim/sgd.js';
import { ConstantSchedule, WarmupCosineSchedule } from './optim/schedule.js';

// The core's own parts: optimisers and learning-rate schedules.
registry.register('optimizer', Adam);
registry.register('optimizer', AdamW);
registry.register('optimizer', Sgd);
registry.register('schedule', ConstantSchedule);
registry.register('schedule', WarmupCosineSchedule);
