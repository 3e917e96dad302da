import { standalone } from '../vscode-api';
import { mountSamples } from './view';

standalone(mountSamples);
