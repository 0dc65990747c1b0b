export { BasicBlock, ResNet, resnet18, type ResNetOptions } from './resnet.js'
