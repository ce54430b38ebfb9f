import { jwtE2eFleet } from './harness';
import { attackSuite } from './suites/attacks';

// JWT mode: the same attacks, with permissions carried by user JWTs the servers verify against the operator.
attackSuite(jwtE2eFleet);
